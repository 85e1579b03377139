# The organisers' console: only organisers see these texts.

console-cmd-admin = Ұйымдастырушы консолі
console-cmd-find = Кандидатты телефон не chat id бойынша табу
console-cmd-replace = Жұмыс істемейтін промокодты ауыстыру

console-menu =
    🛠 <b>Ұйымдастырушы консолі</b>
    Кандидатты табу: /find телефон немесе chat id
    Жұмыс істемейтін промокодты ауыстыру: /replace chat id себебі
console-btn-find = 🔎 Кандидатты табу

console-find-usage = Кандидатты табу үшін /find командасын және телефон нөмірін кез келген әдеттегі түрде (+7 701 234 56 78, 87012345678) немесе chat id жіберіңіз, мысалы: /find 87012345678
console-find-none = Кандидат табылмады.
console-find-none-not-eligible = Кандидат табылмады, бұл нөмір рұқсат етілгендер тізімінде де жоқ.
console-find-eligible-only = Нөмір рұқсат етілгендер тізімінде бар, бірақ ботта бұл нөмірмен кандидат әзірге жоқ, оған промокод берілмеген.

console-card-title = 👤 <b>Кандидат</b> (chat id <code>{ $chat }</code>)
console-card-lang = Тілі: { $lang }
console-card-stage = Кезеңі: { $stage }
console-card-step = Кезеңі: { $stage }, { $step }-қадам
console-card-city = Қаласы: { $city }
console-card-way = Тәсілі: { $way }
console-card-phone = Телефоны: { $phone }
console-card-code = Промокод: <code>{ $code }</code>, { $way }, берілген уақыты: { $issued }
console-card-no-code = Промокод: берілмеген
console-card-applied = QAZTEST-ке өтінім берілген күн: { $date }
console-card-booked = Онлайн тест тапсырылған немесе промокод енгізілген күн: { $date }
console-card-test-date = Тест күні: { $date }
console-card-reminders = Еске салулар: жіберілгені { $sent }, кезекте { $pending }, жеткізілмегені { $failed }
console-card-blocked = ⛔ Кандидат ботты бұғаттаған.
console-card-revoked = Кері қайтарылған промокод <code>{ $code }</code>: { $reason }
console-card-replace-hint = Промокод жұмыс істемесе: /replace { $chat } себебі

console-stage-start = тіл таңдау
console-stage-city = қала таңдау
console-stage-way = тәсіл таңдау
console-stage-steps = тіркелу қадамдары
console-stage-contact = телефон нөмірін күтудеміз
console-stage-ready = қадамдар өтілді
console-stage-lost = күйі оқылмады

console-replace-usage = Жұмыс істемейтін промокодты ауыстыру үшін /replace командасын, кандидаттың chat id-ін немесе телефонын және себебін жіберіңіз, мысалы: /replace 123456789 сайт код жарамсыз дейді
console-replace-reason-too-long = Себебі тым ұзын: { $max } таңбадан аспауы керек.
console-replace-ambiguous = Бұл сұрауға бірнеше кандидат сәйкес келеді. /find көрсеткен chat id-ді жазыңыз.
console-replace-no-code = Бұл кандидатқа промокод берілмеген: ауыстыратын ештеңе жоқ.
console-replace-pool-empty = { $way } промокодтары таусылды: ауыстыру мүмкін емес, ештеңе өзгертілмеді. Жаңа кодтарды жүктеп, қайталаңыз.
console-replaced = Дайын: <code>{ $old }</code> промокоды кері қайтарылды. Chat id { $chat } кандидатқа { $way } үшін жаңа промокод берілді: <code>{ $new }</code>. Кандидатқа жаңа код туралы хабар жіберіледі. Кері қайтарылған код енді ешкімге берілмейді.

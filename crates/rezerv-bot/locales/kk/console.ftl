# The organisers' console: only organisers see these texts.

console-cmd-admin = Ұйымдастырушы консолі
console-cmd-find = Үміткерді телефон не chat id бойынша табу
console-cmd-replace = Жұмыс істемейтін промокодты ауыстыру

console-menu =
    🛠 <b>Ұйымдастырушы консолі</b>
    Үміткерді табу: /find телефон немесе chat id
    Жұмыс істемейтін промокодты ауыстыру: /replace chat id немесе телефон, содан кейін себебі
console-btn-find = 🔎 Үміткерді табу

console-find-usage = Үміткерді табу үшін /find командасын және телефон нөмірін кез келген әдеттегі түрде (+7 701 234 56 78, 87012345678) немесе chat id жіберіңіз, мысалы: /find 87012345678
console-find-none = Үміткер табылмады.
console-find-none-not-eligible = Үміткер табылмады, бұл нөмір үміткерлер тізімінде де жоқ.
console-find-eligible-only = Нөмір үміткерлер тізімінде бар, бірақ ботта бұл нөмірмен үміткер әзірге жоқ, оған промокод берілмеген.
console-find-eligible-issued = Нөмір үміткерлер тізімінде бар, оған <code>{ $code }</code> промокоды берілген, бірақ ботта бұл нөмірмен үміткер қазір жоқ: оның деректері өшірілген болуы мүмкін.

console-card-title = 👤 <b>Үміткер</b>, chat id <code>{ $chat }</code>
console-card-lang = Тілі: { $lang }
console-card-stage = Кезеңі: { $stage }
console-card-step = Кезеңі: { $stage }, { $step }-қадам
console-card-city = Қаласы: { $city }
console-card-way = Тәсілі: { $way }
console-card-phone = Телефоны: { $phone }
console-card-code = Промокод: <code>{ $code }</code>, { $way }, берілген уақыты: { $issued }
console-card-cabinet-code = Үміткер жеке кабинеттен жіберген промокод: <code>{ $code }</code>
console-card-no-code = Промокод: берілмеген
console-card-applied = QAZTEST-ке өтінім берілген күн: { $date }
console-card-booked = Онлайн тест тапсырылған немесе промокод енгізілген күн: { $date }
console-card-test-date = Тест күні: { $date }
console-card-reminders = Еске салулар: жіберілгені { $sent }, кезекте { $pending }, жеткізілмегені { $failed }
console-card-blocked = ⛔ Үміткер ботты бұғаттаған.
console-card-revoked = Күші жойылған промокод <code>{ $code }</code>: { $reason }
console-card-replace-hint = Промокод жұмыс істемесе: /replace { $chat } себебі

console-stage-start = тіл таңдау
console-stage-city = қала таңдау
console-stage-way = тәсіл таңдау
console-stage-steps = тіркелу қадамдары
console-stage-contact = телефон нөмірін күту
console-stage-ready = қадамдар аяқталды
console-stage-lost = күйі оқылмады

console-replace-usage = Жұмыс істемейтін промокодты ауыстыру үшін /replace командасын, үміткердің chat id-ін немесе телефонын және себебін жіберіңіз, мысалы: /replace 123456789 сайт код жарамсыз дейді
console-replace-reason-too-long = Себебі тым ұзын: { $max } таңбадан аспауы керек.
console-replace-ambiguous = Бұл сұрауға бірнеше үміткер сәйкес келеді. /find көрсеткен chat id-ді жазыңыз.
console-replace-no-code = Бұл үміткерге промокод берілмеген: ауыстыратын ештеңе жоқ.
console-replace-pool-empty = «{ $way }» тәсілінің промокодтары таусылды: ауыстыру мүмкін емес, ештеңе өзгертілмеді. Жаңа кодтарды жүктеп, қайталаңыз.
console-replace-shared = Бұл промокод тағы бір үміткерде тұр (ол кодтар аккаунтқа байланбай тұрғанда берілген): ауыстыру ештеңені өзгертпеді. Екеуін де /find арқылы табыңыз.
console-replaced = Дайын: <code>{ $old }</code> промокодының күші жойылды. Үміткерге (chat id { $chat }) { $way } тәсілі үшін жаңа промокод берілді: <code>{ $new }</code>. Күші жойылған код енді ешкімге берілмейді.
console-replaced-told = Үміткерге жаңа код туралы хабар жіберіледі.
console-replaced-blocked = Үміткер ботты бұғаттаған, сондықтан хабар оған жетпейді: жаңа кодты басқа жолмен хабарлаңыз.

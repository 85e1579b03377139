# The organisers' console: only organisers see these texts.

console-cmd-admin = Ұйымдастырушы консолі
console-cmd-find = Кандидатты телефон не chat id бойынша табу
console-cmd-replace = Жұмыс істемейтін промокодты ауыстыру

console-menu =
    🛠 <b>Ұйымдастырушы консолі</b>
    Кандидатты табу: /find телефон немесе chat id
    Жұмыс істемейтін промокодты ауыстыру: /replace chat id себебі
    Кандидаттарға хабарлама тарату: /broadcast
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
console-replaced = Дайын: <code>{ $old }</code> промокоды кері қайтарылды, кандидатқа (chat id { $chat }) жаңасы берілді — <code>{ $new }</code>, { $way }. Кандидатқа жаңа код туралы хабар жіберіледі. Кері қайтарылған код енді ешкімге берілмейді.

console-cmd-broadcast = Кандидаттарға хабарлама тарату
console-btn-broadcast = 📣 Тарату

# Composing a broadcast.
console-broadcast-panel =
    📣 <b>Жаңа тарату</b>
    Кімге: { $segment }
    Қазір сәйкес келетіні: { $total } кандидат (қазақша оқитыны: { $kk }, орысша оқитыны: { $ru }).
    Сүзгілерді түймелермен таңдап, «Әрі қарай: мәтіндер» түймесін басыңыз.
console-broadcast-cities = 🏙 Қаланы немесе қалалар тобын таңдаңыз:
console-broadcast-stages = 📍 Кезеңді таңдаңыз:

console-seg-everyone = барлық кандидаттар
console-seg-way = тәсілі: { $way }
console-seg-city = қаласы: { $city }
console-seg-group = «{ $group }» тобының қалалары (QAZTEST өтінімдерінің соңғы күні: { $cutoff })
console-seg-stage = кезеңі: { $stage }
console-seg-lang-kk = қазақша оқитындар
console-seg-lang-ru = орысша оқитындар
console-seg-code-yes = промокоды барлар
console-seg-code-no = промокоды жоқтар
console-seg-applied-yes = өтінім бергенін (QAZTEST) немесе тест тапсырғанын не промокод енгізгенін (QRT) белгілегендер
console-seg-applied-no = өтінім бергенін (QAZTEST) немесе тест тапсырғанын не промокод енгізгенін (QRT) белгілемегендер

console-bb-any-way = Кез келген тәсіл
console-bb-any-lang = Кез келген тіл
console-bb-any-code = Кодпен де, кодсыз да
console-bb-code-yes = Промокоды бар
console-bb-code-no = Промокоды жоқ
console-bb-any-applied = Белгі: кез келген
console-bb-applied-yes = Өтінім/тест белгіленген
console-bb-applied-no = Белгіленбеген
console-bb-cities = 🏙 Қала: { $current } ▸
console-bb-stages = 📍 Кезең: { $current } ▸
console-bb-current-any = кез келген
console-bb-any-city = Кез келген қала
console-bb-any-stage = Кез келген кезең
console-bb-back = ◀ Артқа
console-bb-next = ➡ Әрі қарай: мәтіндер
console-bb-cancel = ✖ Бас тарту
console-bb-test = 🧪 Өзіме тест жіберу
console-bb-confirm = ✅ Жіберу ({ $total })
console-bb-stop = ⏹ Таратуды тоқтату

console-broadcast-empty = Бұл сүзгілерге бірде-бір кандидат сәйкес келмейді: жіберетін ешкім жоқ, кезекке ештеңе қойылмады. Сүзгілерді өзгертіңіз.
console-broadcast-ask-kk = ✍️ Тарату мәтінін <b>қазақ</b> тілінде бір хабарламамен жіберіңіз. Мәтінді Telegram түймелерімен (қалың, курсив, сілтеме) немесе HTML тегтерімен безендіруге болады: &lt;b&gt;, &lt;i&gt;, &lt;u&gt;, &lt;s&gt;, &lt;a href="…"&gt;, &lt;code&gt;, &lt;blockquote&gt;. Белгілеуден кейін мәтін { $max } таңбадан аспауы керек.
console-broadcast-ask-ru = ✍️ Енді сол мәтінді <b>орыс</b> тілінде бір хабарламамен жіберіңіз. Мәтінді Telegram түймелерімен (қалың, курсив, сілтеме) немесе HTML тегтерімен безендіруге болады: &lt;b&gt;, &lt;i&gt;, &lt;u&gt;, &lt;s&gt;, &lt;a href="…"&gt;, &lt;code&gt;, &lt;blockquote&gt;. Белгілеуден кейін мәтін { $max } таңбадан аспауы керек.
console-broadcast-text-only = Таратуға тек мәтін жіберіледі: сурет, стикер, файл қабылданбайды.
console-text-empty = Мәтін бос.
console-text-too-long = Мәтін тым ұзын: белгілеуден кейін { $chars } таңба, ал Telegram { $max } таңбадан артық қабылдамайды.
console-text-unsupported-tag = Telegram &lt;{ $tag }&gt; тегін қолдамайды. Қолдануға болатындары: b, i, u, s, a, code, pre, blockquote, tg-spoiler.
console-text-unclosed = &lt;{ $tag }&gt; тегі жабылмаған: &lt;/{ $tag }&gt; қосыңыз.
console-text-unexpected-close = &lt;/{ $tag }&gt; жабу тегі ештеңені жаппайды.
console-text-mismatched = Тегтер ретімен жабылмаған: &lt;/{ $expected }&gt; болуы керек еді, ал &lt;/{ $found }&gt; тұр.
console-text-stray-angle = «&lt;» белгісі тегті бастамайды. Белгінің өзін көрсету үшін &amp;lt; деп жазыңыз.
console-broadcast-refused = Telegram { $lang ->
        [kk] қазақша
       *[ru] орысша
    } мәтінді қабылдамады: { $reason }
console-broadcast-preview-kk = 👀 Қазақша оқитын кандидаттар таратуды осылай көреді ({ $count }):
console-broadcast-preview-ru = 👀 Орысша оқитын кандидаттар таратуды осылай көреді ({ $count }):
console-broadcast-summary =
    📣 <b>Тарату дайын</b>
    Кімге: { $segment }
    Алушылар: { $total } (қазақша: { $kk }, орысша: { $ru }).
    Өзіңізге тест жіберіңіз немесе жіберуді растаңыз.
console-broadcast-test-sent = Тест осы чатқа, өзіңізге жіберілді.
console-broadcast-discarded = Тарату жобасы жойылды, ештеңе жіберілмеді.
console-broadcast-closed = Бұл жоба жабылған. Жаңа тарату: /broadcast
console-broadcast-stopped = Тарату тоқтатылды: { $count } хабарлама жіберілмейді.

# A broadcast being sent: its live message.
console-progress =
    📣 <b>Тарату #{ $id }</b>: { $segment }
    Жіберілді: { $sent } · жеткізілмеді: { $failed } · қолжетімсіз: { $blocked } · қалды: { $left }
    Қалған уақыт: { $eta }
console-progress-quiet = 🌙 Қазір тыныштық сағаттары: жіберу сағат { $until }-де жалғасады.
console-progress-done =
    ✅ <b>Тарату #{ $id } аяқталды</b>: { $segment }
    { $total } хабарламаның жіберілгені { $sent }, жеткізілмегені { $failed }, қолжетімсіз (ботты бұғаттаған немесе деректерін өшірген) { $blocked }.
console-progress-stopped =
    ⏹ <b>Тарату #{ $id } тоқтатылды</b>: { $segment }
    { $total } хабарламаның жіберілгені { $sent }, жеткізілмегені { $failed }, қолжетімсіз (ботты бұғаттаған немесе деректерін өшірген) { $blocked }, тоқтатылғаннан кейін жіберілмегені { $stopped }.
console-eta-soon = бір минуттан аз
console-eta-minutes = шамамен { $minutes } мин
console-eta-hours = шамамен { $hours } сағ { $minutes } мин

# Alerts to the organisers.
alert-pool-low = ⚠️ { $way } промокодтары азайып барады: жүктелген { $imported } кодтың { $left } коды қалды. Жаңа кодтарды жүктеңіз: rezerv-bot import-codes.
alert-pool-empty = ⛔ { $way } промокодтары таусылды (барлығы { $imported } код жүктелген еді): бұл тәсілдің кандидаттарына қазір беретін код жоқ. Жаңа кодтарды жүктеңіз: rezerv-bot import-codes.
alert-wave-failed = ⚠️ { $date } күнгі { $kind ->
        [deadline] мерзім туралы
        [window-open] тестілеудің басталуы туралы
        [results] нәтижелер туралы
        [nudge] қадамдарды жалғастыру туралы
        [notice] промокодты ауыстыру туралы
       *[unknown] ({ $kind })
    } еске салулар: { $sends } хабарламаның { $failed } жеткізілмеді. Толығырақ — бот журналында.
alert-broadcast-failed = ⚠️ Тарату #{ $broadcast }: { $sends } хабарламаның { $failed } жеткізілмеді. Толығырақ — бот журналында.

# The organisers' console: only organisers see these texts.

console-cmd-admin = Ұйымдастырушы консолі
console-cmd-dashboard = Кандидаттар воронкасы және науқан көрсеткіштері
console-cmd-find = Кандидатты телефон не chat id бойынша табу
console-cmd-replace = Жұмыс істемейтін промокодты ауыстыру

console-menu =
    🛠 <b>Ұйымдастырушы консолі</b>
    Кандидаттар воронкасы мен көрсеткіштер: /dashboard
    Кандидатты табу: /find телефон немесе chat id
    Жұмыс істемейтін промокодты ауыстыру: /replace chat id себебі
console-btn-find = 🔎 Кандидатты табу
console-btn-dashboard = 📊 Воронка мен көрсеткіштер
console-btn-refresh = 🔄 Жаңарту

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

## The dashboard (/dashboard): a picture of the funnel and a short summary under it.

console-dash-title = Кандидаттар воронкасы
console-dash-subtitle = { $time } уақытындағы деректер, уақыт белдеуі: { $zone }
console-dash-caption-title = 📊 <b>Кандидаттар воронкасы</b>, { $time }
console-dash-all = Барлық кандидат
console-dash-no-city = Қала таңдалмаған
console-dash-group-astana = Астана
console-dash-group-others = Алматы, Шымкент және облыс орталықтары
console-dash-started = Ботқа жазды
console-dash-language = Тіл таңдады
console-dash-city = Қала таңдады
console-dash-way = Тәсіл таңдады
console-dash-way-chosen = Осы тәсілді таңдады
console-dash-step = { $step }. { $name }
console-dash-steps-done = Барлық қадамнан өтті
console-dash-code = { $source ->
        [cabinet] Жеке кабинеттегі кодты ботта сақтады
       *[pool] Промокод алды
    }
console-dash-applied = Өтінім берді
console-dash-booked = Тест тапсырды немесе промокод енгізді
console-dash-test-date = Тест күнін көрсетті
console-dash-funnel = Ботқа жазды: { $started } · тіл таңдады: { $chose_language } · қала: { $chose_city } · тәсіл: { $chose_way }
console-dash-way-qrt = <b>QAZAQ RESMI TEST</b>: таңдады { $chosen } · қадамдардан өтті { $done } · { $source ->
        [cabinet] кодты сақтады { $codes }
       *[pool] промокод алды { $codes }
    } · тест тапсырды немесе промокод енгізді { $applied } · тест күнін көрсетті { $test_dates }
console-dash-way-qaztest = <b>QAZTEST</b>: таңдады { $chosen } · қадамдардан өтті { $done } · { $source ->
        [cabinet] кодты сақтады { $codes }
       *[pool] промокод алды { $codes }
    } · өтінім берді { $applied } · тест күнін көрсетті { $test_dates }
console-dash-codes = Қалған промокодтар: QRT — { $qrt_left }, берілгені { $qrt_issued } · QAZTEST — { $qaztest_left }, берілгені { $qaztest_issued }
console-dash-codes-cabinet = Промокодтар pkrezerv.gov.kz сайтындағы жеке кабинетте қалыптастырылады. Көшірмесін ботта сақтағандар: QRT — { $qrt_kept }, QAZTEST — { $qaztest_kept }
console-dash-reminders = Еске салулар: кезекте { $pending } · жіберілгені { $sent } · жеткізілмегені { $failed }
console-dash-people = Ботты бұғаттағандар: { $blocked } · бүгін, { $date }, қосылған жаңа кандидаттар: { $new }

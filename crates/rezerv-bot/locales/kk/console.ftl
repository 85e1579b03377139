# The organisers' console: only organisers see these texts.

console-cmd-admin = Ұйымдастырушы консолі
console-cmd-dashboard = Үміткерлер воронкасы және науқан көрсеткіштері
console-cmd-find = Үміткерді телефон не chat id бойынша табу
console-cmd-replace = Жұмыс істемейтін промокодты ауыстыру
console-cmd-export = Промокодтарды не воронканы жүктеп алу (CSV, XLSX)

console-menu =
    🛠 <b>Ұйымдастырушы консолі</b>
    Үміткерлер воронкасы мен көрсеткіштер: /dashboard
    Үміткерді табу: /find телефон немесе chat id
    Жұмыс істемейтін промокодты ауыстыру: /replace chat id немесе телефон, содан кейін себебі
    Промокодтарды не воронканы жүктеп алу: /export
    Промокодтарды не үміткерлер тізімін жүктеу: CSV не XLSX файлын құжат ретінде <code>codes qrt</code>, <code>codes qaztest</code> немесе <code>eligible</code> сипаттамасымен жіберіңіз
    Үміткерлерге хабарлама тарату: /broadcast
console-btn-find = 🔎 Үміткерді табу
console-btn-dashboard = 📊 Воронка мен көрсеткіштер
console-btn-refresh = 🔄 Жаңарту
console-btn-export = 📤 Экспорт

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

# Export: the issued codes and the funnel, as a document.
console-export-prompt =
    📤 <b>Экспорт</b>
    Берілген промокодтар: телефон, код, тәсіл, қала, берілген уақыты, код кері қайтарылды ма, себебі мен орнына берілген кодымен.
    Воронка: кезеңдер, қадамдар, тәсілдер мен қалалар бойынша үміткерлер саны.
    UTF-8 кодтауындағы, «;» бөлгішті CSV Excel-де ашылады; XLSX — Excel кітабы.
console-btn-export-codes-csv = Промокодтар · CSV
console-btn-export-codes-xlsx = Промокодтар · XLSX
console-btn-export-funnel-csv = Воронка · CSV
console-btn-export-funnel-xlsx = Воронка · XLSX
console-export-caption = { $what }: файлдағы жол саны — { $rows }.
console-export-too-large = Файл 50 МБ-тан асып кетті, ал Telegram боттардан бұдан үлкен файл қабылдамайды. Оны серверде жүктеп алыңыз: rezerv-bot export { $kind } --format { $format } --out ФАЙЛ
export-what-codes = Берілген промокодтар
export-what-funnel = Үміткерлер воронкасы

# The exported files' sheets and headers.
export-codes-sheet = Промокодтар
export-codes-phone = Телефон
export-codes-code = Промокод
export-codes-way = Тәсіл
export-codes-city = Қала
export-codes-issued-at = Берілген уақыты, { $zone }
export-codes-revoked = Кері қайтарылған
export-codes-reason = Кері қайтару себебі
export-codes-replaced-by = Орнына берілген код
export-yes = иә
export-no = жоқ
export-funnel-sheet = Воронка
export-funnel-stage = Кезең
export-funnel-step = Қадам
export-funnel-way = Тәсіл
export-funnel-city = Қала
export-funnel-candidates = Үміткерлер
export-funnel-with-code = Промокоды бар
export-funnel-applied = QAZTEST-ке өтінім берген немесе онлайн тест тапсырған не qrt.kz сайтында промокод енгізген
export-funnel-test-date = Тест күнін көрсеткен
export-funnel-blocked = Ботты бұғаттаған

# Imports sent to the bot as a document with a caption.
console-import-no-caption = Ештеңе жүктелмеді: файлға сипаттама жазылмаған. Файлды <code>codes qrt</code>, <code>codes qaztest</code> немесе <code>eligible</code> сипаттамасымен қайта жіберіңіз.
console-import-bad-caption = Ештеңе жүктелмеді: «{ $caption }» сипаттамасы түсініксіз. Файлға мыналардың бірін жазыңыз: <code>codes qrt</code>, <code>codes qaztest</code> немесе <code>eligible</code>.
console-import-photo = Ештеңе жүктелмеді: бұл файл емес, фото. CSV не XLSX кестесін құжат ретінде (📎 → Файл) <code>codes qrt</code>, <code>codes qaztest</code> немесе <code>eligible</code> сипаттамасымен жіберіңіз.
console-import-too-large = Ештеңе жүктелмеді: файл { $max } МБ-тан үлкен, ал бот { $max } МБ-қа дейінгі файлдарды ғана қабылдайды. Оны бөліктерге бөліңіз немесе серверде rezerv-bot import-codes не import-eligible командасымен жүктеңіз.
console-import-download-failed = Ештеңе жүктелмеді: файлды Telegram-нан жүктеп алу мүмкін болмады. Оны қайта жіберіңіз.
console-import-codes-done = ✅ «{ $file }» файлынан { $way } промокодтары жүктелді. Оқылған жол: { $rows }; жаңа код: { $new }; базада бұрыннан бар: { $present }; файлдағы қайталау: { $duplicates }. Қалған { $way } коды: { $left }.
console-import-eligible-done = ✅ «{ $file }» файлынан үміткерлер тізімі жүктелді. Оқылған жол: { $rows }; жаңа нөмір: { $new }; тізімде бұрыннан бар: { $present }; файлдағы қайталау: { $duplicates }.
console-import-duplicate = { $line }-жол: { $value } { $first }-жолды қайталайды
console-import-rejected = ❌ «{ $file }» файлы қабылданбады, ештеңе жүктелмеді. Қатесі бар жол: { $count }.
console-import-row = { $line }-жол: { $problem }
console-import-more = …тағы { $count } жол. Толық тізім төмендегі файлда.
console-import-list-caption = «{ $file }» файлы бойынша есептің барлық жолы.
import-row-csv = жол CSV ретінде оқылмайды, тырнақшаларды тексеріңіз
import-row-empty = бірінші баған бос
import-row-not-phone = «{ $value }» — Қазақстанның ұялы телефон нөмірі емес, +7 7xx xxx xx xx
import-row-not-code = «{ $value }» — промокод емес: 4-тен 32-ге дейін латын әрпі, цифр не сызықша болуы керек
import-row-not-text = ұяшықта { $value } тұр, ал мәтін не сан керек
import-row-other-pool = { $code } коды { $way } кодтарының арасында бұрыннан бар
import-error-empty = Ештеңе жүктелмеді: «{ $file }» файлында жол жоқ.
import-error-not-utf8 = Ештеңе жүктелмеді: «{ $file }» файлы Excel кітабы да, UTF-8 кодтауындағы CSV мәтіні де емес. Оны «Excel кітабы (.xlsx)» немесе «CSV UTF-8» түрінде сақтаңыз.
import-error-old-excel = Ештеңе жүктелмеді: «{ $file }» файлы Excel-дің ескі пішімінде (.xls) немесе басқа бағдарламаның пішімінде. Оны «Excel кітабы (.xlsx)» немесе «CSV UTF-8» түрінде сақтаңыз.
import-error-not-xlsx = Ештеңе жүктелмеді: «{ $file }» файлының аты .xlsx-пен аяқталады, бірақ ол Excel кітабы емес. Оны Excel-де қайта сақтаңыз.
import-error-unreadable = Ештеңе жүктелмеді: «{ $file }» кітабын оқу мүмкін болмады, ол бүлінген не шифрланған. Оны Excel-де қайта сақтаңыз.
import-error-too-large = Ештеңе жүктелмеді: «{ $file }» файлы тым үлкен. Бот { $rows } жолдан және ашылған күйінде { $mb } МБ-тан аспайтын файлды ғана оқиды.


console-cmd-broadcast = Үміткерлерге хабарлама тарату
console-btn-broadcast = 📣 Тарату

# Composing a broadcast.
console-broadcast-panel =
    📣 <b>Жаңа тарату</b>
    Кімге: { $segment }
    Қазір сәйкес келетіні: { $total } үміткер (қазақша оқитыны: { $kk }, орысша оқитыны: { $ru }).
    Сүзгілерді түймелермен таңдап, «Әрі қарай: мәтіндер» түймесін басыңыз.
console-broadcast-cities = 🏙 Қаланы немесе қалалар тобын таңдаңыз:
console-broadcast-stages = 📍 Кезеңді таңдаңыз:

console-seg-everyone = барлық үміткерлер
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

console-broadcast-empty = Бұл сүзгілерге бірде-бір үміткер сәйкес келмейді: жіберетін ешкім жоқ, кезекке ештеңе қойылмады. Сүзгілерді өзгертіңіз.
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
console-broadcast-preview-kk = 👀 Қазақша оқитын үміткерлер таратуды осылай көреді ({ $count }):
console-broadcast-preview-ru = 👀 Орысша оқитын үміткерлер таратуды осылай көреді ({ $count }):
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
alert-pool-empty = ⛔ { $way } промокодтары таусылды (барлығы { $imported } код жүктелген еді): бұл тәсілдің үміткерлеріне қазір беретін код жоқ. Жаңа кодтарды жүктеңіз: rezerv-bot import-codes.
alert-wave-failed = ⚠️ { $date } күнгі { $kind ->
        [deadline] мерзім туралы
        [window-open] тестілеудің басталуы туралы
        [results] нәтижелер туралы
        [nudge] қадамдарды жалғастыру туралы
        [notice] промокодты ауыстыру туралы
       *[unknown] ({ $kind })
    } еске салулар: { $sends } хабарламаның { $failed } жеткізілмеді. Толығырақ — бот журналында.
alert-broadcast-failed = ⚠️ Тарату #{ $broadcast }: { $sends } хабарламаның { $failed } жеткізілмеді. Толығырақ — бот журналында.

## The dashboard (/dashboard): a picture of the funnel and a short summary under it.

console-dash-title = Үміткерлер воронкасы
console-dash-subtitle = { $time } уақытындағы деректер, уақыт белдеуі: { $zone }
console-dash-caption-title = 📊 <b>Үміткерлер воронкасы</b>, { $time }
console-dash-all = Барлық үміткер
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
console-dash-people = Ботты бұғаттағандар: { $blocked } · бүгін, { $date }, қосылған жаңа үміткерлер: { $new }

# The organisers' console: only organisers see these texts.

console-cmd-admin = Консоль организатора
console-cmd-dashboard = Воронка кандидатов и счётчики кампании
console-cmd-find = Найти кандидата по телефону или chat id
console-cmd-replace = Заменить неработающий промокод
console-cmd-export = Выгрузить промокоды или воронку (CSV, XLSX)

console-menu =
    🛠 <b>Консоль организатора</b>
    Воронка кандидатов и счётчики: /dashboard
    Найти кандидата: /find телефон или chat id
    Заменить неработающий промокод: /replace chat id или телефон, затем причина
    Выгрузить промокоды или воронку: /export
    Загрузить промокоды или список кандидатов: отправьте файл CSV или XLSX документом с подписью <code>codes qrt</code>, <code>codes qaztest</code> или <code>eligible</code>
    Рассылка кандидатам: /broadcast
console-btn-find = 🔎 Найти кандидата
console-btn-dashboard = 📊 Воронка и счётчики
console-btn-refresh = 🔄 Обновить
console-btn-export = 📤 Экспорт

console-find-usage = Чтобы найти кандидата, отправьте /find и телефон в любом привычном виде (+7 701 234 56 78, 87012345678) или chat id, например: /find 87012345678
console-find-none = Кандидат не найден.
console-find-none-not-eligible = Кандидат не найден, и этого номера нет в списке кандидатов.
console-find-eligible-only = Номер есть в списке кандидатов, но кандидата с ним в боте пока нет, и промокод по нему не выдавался.
console-find-eligible-issued = Номер есть в списке кандидатов, и по нему выдан промокод <code>{ $code }</code>, но кандидата с этим номером в боте сейчас нет: его данные могли быть удалены.

console-card-title = 👤 <b>Кандидат</b>, chat id <code>{ $chat }</code>
console-card-lang = Язык: { $lang }
console-card-stage = Этап: { $stage }
console-card-step = Этап: { $stage }, шаг { $step }
console-card-city = Город: { $city }
console-card-way = Способ: { $way }
console-card-phone = Телефон: { $phone }
console-card-code = Промокод: <code>{ $code }</code>, { $way }, выдан { $issued }
console-card-cabinet-code = Промокод из личного кабинета, присланный кандидатом: <code>{ $code }</code>
console-card-no-code = Промокод: не выдан
console-card-applied = Заявка на QAZTEST подана: { $date }
console-card-booked = Онлайн-тест сдан или промокод введён: { $date }
console-card-test-date = Дата теста: { $date }
console-card-reminders = Напоминания: отправлено { $sent }, в очереди { $pending }, не доставлено { $failed }
console-card-blocked = ⛔ Кандидат заблокировал бота.
console-card-revoked = Отозван промокод <code>{ $code }</code>: { $reason }
console-card-replace-hint = Если промокод не работает: /replace { $chat } причина

console-stage-start = выбор языка
console-stage-city = выбор города
console-stage-way = выбор способа
console-stage-steps = шаги регистрации
console-stage-contact = ожидание номера телефона
console-stage-ready = шаги пройдены
console-stage-lost = состояние не прочитано

console-replace-usage = Чтобы заменить неработающий промокод, отправьте /replace, chat id или телефон кандидата и причину, например: /replace 123456789 сайт пишет, что код недействителен
console-replace-reason-too-long = Причина слишком длинная: не больше { $max } символов.
console-replace-ambiguous = Под этот запрос подходят несколько кандидатов. Укажите chat id из /find.
console-replace-no-code = У этого кандидата нет выданного промокода: заменять нечего.
console-replace-pool-empty = Промокоды для способа «{ $way }» закончились: замена невозможна, ничего не изменено. Загрузите новые коды и повторите.
console-replace-shared = Этот промокод числится ещё за одним кандидатом (он выдан до того, как коды стали привязываться к аккаунту): замена ничего не изменила. Найдите обоих через /find.
console-replaced = Готово: промокод <code>{ $old }</code> отозван. Кандидату с chat id { $chat } выдан новый промокод на { $way }: <code>{ $new }</code>. Отозванный код больше никому не выдаётся.
console-replaced-told = Кандидат получит сообщение с новым кодом.
console-replaced-blocked = Кандидат заблокировал бота, поэтому сообщение до него не дойдёт: сообщите новый код другим способом.

# Export: the issued codes and the funnel, as a document.
console-export-prompt =
    📤 <b>Экспорт</b>
    Выданные промокоды: телефон, код, способ, город, время выдачи, отозван ли код, с причиной и заменой.
    Воронка: число кандидатов по этапам, шагам, способам и городам.
    CSV в кодировке UTF-8 с разделителем «;» открывается в Excel; XLSX — книга Excel.
console-btn-export-codes-csv = Промокоды · CSV
console-btn-export-codes-xlsx = Промокоды · XLSX
console-btn-export-funnel-csv = Воронка · CSV
console-btn-export-funnel-xlsx = Воронка · XLSX
console-export-caption = { $what }: строк в файле — { $rows }.
console-export-too-large = Файл получился больше 50 МБ, а от ботов Telegram не принимает файлы крупнее. Выгрузите его на сервере: rezerv-bot export { $kind } --format { $format } --out ФАЙЛ
export-what-codes = Выданные промокоды
export-what-funnel = Воронка кандидатов

# The exported files' sheets and headers.
export-codes-sheet = Промокоды
export-codes-phone = Телефон
export-codes-code = Промокод
export-codes-way = Способ
export-codes-city = Город
export-codes-issued-at = Выдан, { $zone }
export-codes-revoked = Отозван
export-codes-reason = Причина отзыва
export-codes-replaced-by = Заменён на
export-yes = да
export-no = нет
export-funnel-sheet = Воронка
export-funnel-stage = Этап
export-funnel-step = Шаг
export-funnel-way = Способ
export-funnel-city = Город
export-funnel-candidates = Кандидатов
export-funnel-with-code = С промокодом
export-funnel-applied = Подали заявку на QAZTEST или сдали онлайн-тест либо ввели промокод на qrt.kz
export-funnel-test-date = Указали дату теста
export-funnel-blocked = Заблокировали бота

# Imports sent to the bot as a document with a caption.
console-import-no-caption = Ничего не загружено: у файла нет подписи. Отправьте его ещё раз с подписью <code>codes qrt</code>, <code>codes qaztest</code> или <code>eligible</code>.
console-import-bad-caption = Ничего не загружено: подпись «{ $caption }» не понятна. Подпишите файл одним из вариантов: <code>codes qrt</code>, <code>codes qaztest</code> или <code>eligible</code>.
console-import-photo = Ничего не загружено: это фото, а не файл. Отправьте таблицу CSV или XLSX документом (📎 → Файл) с подписью <code>codes qrt</code>, <code>codes qaztest</code> или <code>eligible</code>.
console-import-too-large = Ничего не загружено: файл больше { $max } МБ, а бот принимает файлы до { $max } МБ. Разделите его на части или загрузите на сервере командой rezerv-bot import-codes или import-eligible.
console-import-download-failed = Ничего не загружено: не удалось скачать файл из Telegram. Отправьте его ещё раз.
console-import-codes-done = ✅ Промокоды { $way } из файла «{ $file }» загружены. Прочитано строк: { $rows }; новых кодов: { $new }; уже были в базе: { $present }; повторов в файле: { $duplicates }. Осталось кодов { $way }: { $left }.
console-import-eligible-done = ✅ Список кандидатов из файла «{ $file }» загружен. Прочитано строк: { $rows }; новых номеров: { $new }; уже были в списке: { $present }; повторов в файле: { $duplicates }.
console-import-duplicate = строка { $line }: { $value } повторяет строку { $first }
console-import-rejected = ❌ Файл «{ $file }» не принят, ничего не загружено. Строк с ошибками: { $count }.
console-import-row = строка { $line }: { $problem }
console-import-more = …и ещё строк: { $count }. Полный список — в файле ниже.
console-import-list-caption = Все строки отчёта по файлу «{ $file }».
import-row-csv = строка не читается как CSV, проверьте кавычки
import-row-empty = первый столбец пуст
import-row-not-phone = «{ $value }» — не номер мобильного телефона Казахстана, +7 7xx xxx xx xx
import-row-not-code = «{ $value }» — не промокод: нужно от 4 до 32 латинских букв, цифр или дефисов
import-row-not-text = в ячейке { $value }, а нужен текст или число
import-row-other-pool = код { $code } уже есть среди кодов { $way }
import-error-empty = Ничего не загружено: в файле «{ $file }» нет строк.
import-error-not-utf8 = Ничего не загружено: файл «{ $file }» — не книга Excel и не текст CSV в кодировке UTF-8. Сохраните его как «Книга Excel (.xlsx)» или «CSV UTF-8».
import-error-old-excel = Ничего не загружено: файл «{ $file }» в старом формате Excel (.xls) или в формате другой программы. Сохраните его как «Книга Excel (.xlsx)» или «CSV UTF-8».
import-error-not-xlsx = Ничего не загружено: имя файла «{ $file }» оканчивается на .xlsx, но это не книга Excel. Сохраните его в Excel заново.
import-error-unreadable = Ничего не загружено: книгу «{ $file }» не удалось прочитать, она повреждена или зашифрована. Сохраните её в Excel заново.
import-error-too-large = Ничего не загружено: файл «{ $file }» слишком велик. Бот читает не больше { $rows } { $rows ->
        [one] строки
        [few] строк
        [many] строк
       *[other] строки
    } и не больше { $mb } МБ после распаковки.


console-cmd-broadcast = Рассылка кандидатам
console-btn-broadcast = 📣 Рассылка

# Composing a broadcast.
console-broadcast-panel =
    📣 <b>Новая рассылка</b>
    Кому: { $segment }
    Сейчас подходят: { $total } { $total ->
        [one] кандидат
        [few] кандидата
        [many] кандидатов
       *[other] кандидата
    } (читают по-казахски: { $kk }, по-русски: { $ru }).
    Выберите фильтры кнопками и нажмите «Далее: тексты».
console-broadcast-cities = 🏙 Выберите город или группу городов:
console-broadcast-stages = 📍 Выберите этап:

console-seg-everyone = все кандидаты
console-seg-way = способ: { $way }
console-seg-city = город: { $city }
console-seg-group = города группы «{ $group }» (последний день заявок на QAZTEST: { $cutoff })
console-seg-stage = этап: { $stage }
console-seg-lang-kk = читают по-казахски
console-seg-lang-ru = читают по-русски
console-seg-code-yes = с промокодом
console-seg-code-no = без промокода
console-seg-applied-yes = отметили подачу заявки (QAZTEST) или сдачу теста либо ввод промокода (QRT)
console-seg-applied-no = не отметили подачу заявки (QAZTEST) или сдачу теста либо ввод промокода (QRT)

console-bb-any-way = Любой способ
console-bb-any-lang = Любой язык
console-bb-any-code = С кодом и без
console-bb-code-yes = С промокодом
console-bb-code-no = Без промокода
console-bb-any-applied = Отметка: любая
console-bb-applied-yes = Заявка/тест отмечены
console-bb-applied-no = Не отмечены
console-bb-cities = 🏙 Город: { $current } ▸
console-bb-stages = 📍 Этап: { $current } ▸
console-bb-current-any = любой
console-bb-any-city = Любой город
console-bb-any-stage = Любой этап
console-bb-back = ◀ Назад
console-bb-next = ➡ Далее: тексты
console-bb-cancel = ✖ Отменить
console-bb-test = 🧪 Отправить тест себе
console-bb-confirm = ✅ Отправить ({ $total })
console-bb-stop = ⏹ Остановить рассылку

console-broadcast-empty = Под эти фильтры не подходит ни один кандидат: рассылать некому, ничего не поставлено в очередь. Измените фильтры.
console-broadcast-ask-kk = ✍️ Отправьте текст рассылки на <b>казахском</b> языке одним сообщением. Оформляйте его кнопками Telegram (жирный, курсив, ссылка) или тегами HTML: &lt;b&gt;, &lt;i&gt;, &lt;u&gt;, &lt;s&gt;, &lt;a href="…"&gt;, &lt;code&gt;, &lt;blockquote&gt;. После разметки — не больше { $max } символов.
console-broadcast-ask-ru = ✍️ Теперь отправьте тот же текст на <b>русском</b> языке одним сообщением. Оформляйте его кнопками Telegram (жирный, курсив, ссылка) или тегами HTML: &lt;b&gt;, &lt;i&gt;, &lt;u&gt;, &lt;s&gt;, &lt;a href="…"&gt;, &lt;code&gt;, &lt;blockquote&gt;. После разметки — не больше { $max } символов.
console-broadcast-text-only = В рассылку идёт только текст: картинки, стикеры и файлы не принимаются.
console-text-empty = Текст пустой.
console-text-too-long = Текст слишком длинный: { $chars } символов после разметки, а Telegram принимает не больше { $max }.
console-text-unsupported-tag = Тег &lt;{ $tag }&gt; Telegram не поддерживает. Можно: b, i, u, s, a, code, pre, blockquote, tg-spoiler.
console-text-unclosed = Тег &lt;{ $tag }&gt; не закрыт: добавьте &lt;/{ $tag }&gt;.
console-text-unexpected-close = Закрывающий тег &lt;/{ $tag }&gt; ничего не закрывает.
console-text-mismatched = Теги закрыты не по порядку: ожидался &lt;/{ $expected }&gt;, а стоит &lt;/{ $found }&gt;.
console-text-stray-angle = Знак «&lt;» не начинает тег. Чтобы показать сам знак, напишите &amp;lt;
console-broadcast-refused = Telegram не принял текст на { $lang ->
        [kk] казахском
       *[ru] русском
    } языке: { $reason }
console-broadcast-preview-kk = 👀 Так рассылку увидят кандидаты, читающие по-казахски ({ $count }):
console-broadcast-preview-ru = 👀 Так рассылку увидят кандидаты, читающие по-русски ({ $count }):
console-broadcast-summary =
    📣 <b>Рассылка готова</b>
    Кому: { $segment }
    Получателей: { $total } (по-казахски: { $kk }, по-русски: { $ru }).
    Отправьте тест себе или подтвердите отправку.
console-broadcast-test-sent = Тест отправлен вам в этот чат.
console-broadcast-discarded = Черновик рассылки удалён, ничего не отправлено.
console-broadcast-closed = Этот черновик уже закрыт. Новая рассылка: /broadcast
console-broadcast-stopped = Рассылка остановлена: не будет отправлено { $count } { $count ->
        [one] сообщение
        [few] сообщения
        [many] сообщений
       *[other] сообщения
    }.

# A broadcast being sent: its live message.
console-progress =
    📣 <b>Рассылка #{ $id }</b>: { $segment }
    Отправлено: { $sent } · не доставлено: { $failed } · недоступны: { $blocked } · осталось: { $left }
    Осталось времени: { $eta }
console-progress-quiet = 🌙 Сейчас тихие часы: отправка продолжится в { $until }.
console-progress-done =
    ✅ <b>Рассылка #{ $id } завершена</b>: { $segment }
    Из { $total }: отправлено { $sent }, не доставлено { $failed }, недоступны (заблокировали бота или удалили свои данные) { $blocked }.
console-progress-stopped =
    ⏹ <b>Рассылка #{ $id } остановлена</b>: { $segment }
    Из { $total }: отправлено { $sent }, не доставлено { $failed }, недоступны (заблокировали бота или удалили свои данные) { $blocked }, не отправлено после остановки { $stopped }.
console-eta-soon = меньше минуты
console-eta-minutes = около { $minutes } мин
console-eta-hours = около { $hours } ч { $minutes } мин

# Alerts to the organisers.
alert-pool-low = ⚠️ Промокоды { $way } на исходе: осталось { $left } из { $imported } загруженных. Загрузите новые коды: rezerv-bot import-codes.
alert-pool-empty = ⛔ Промокоды { $way } закончились (загружено было { $imported }): кандидатам этого способа сейчас нечего выдать. Загрузите новые коды: rezerv-bot import-codes.
alert-wave-failed = ⚠️ Напоминания { $kind ->
        [deadline] о сроке
        [window-open] об открытии тестирования
        [results] о результатах
        [nudge] продолжить шаги
        [notice] о замене промокода
       *[unknown] ({ $kind })
    } за { $date }: не доставлено { $failed } из { $sends }. Подробности — в журнале бота.
alert-broadcast-failed = ⚠️ Рассылка #{ $broadcast }: не доставлено { $failed } из { $sends }. Подробности — в журнале бота.

## The dashboard (/dashboard): a picture of the funnel and a short summary under it.

console-dash-title = Воронка кандидатов
console-dash-subtitle = Данные на { $time }, часовой пояс { $zone }
console-dash-caption-title = 📊 <b>Воронка кандидатов</b> на { $time }
console-dash-all = Все кандидаты
console-dash-no-city = Город не выбран
console-dash-group-astana = Астана
console-dash-group-others = Алматы, Шымкент и областные центры
console-dash-started = Написали боту
console-dash-language = Выбрали язык
console-dash-city = Выбрали город
console-dash-way = Выбрали способ
console-dash-way-chosen = Выбрали этот способ
console-dash-step = { $step }. { $name }
console-dash-steps-done = Прошли все шаги
console-dash-code = { $source ->
        [cabinet] Сохранили в боте код из кабинета
       *[pool] Получили промокод
    }
console-dash-applied = Подали заявку
console-dash-booked = Сдали тест или ввели промокод
console-dash-test-date = Указали дату теста
console-dash-funnel = Написали боту: { $started } · выбрали язык: { $chose_language } · город: { $chose_city } · способ: { $chose_way }
console-dash-way-qrt = <b>QAZAQ RESMI TEST</b>: выбрали { $chosen } · прошли шаги { $done } · { $source ->
        [cabinet] сохранили код { $codes }
       *[pool] получили промокод { $codes }
    } · сдали тест или ввели промокод { $applied } · указали дату теста { $test_dates }
console-dash-way-qaztest = <b>QAZTEST</b>: выбрали { $chosen } · прошли шаги { $done } · { $source ->
        [cabinet] сохранили код { $codes }
       *[pool] получили промокод { $codes }
    } · подали заявку { $applied } · указали дату теста { $test_dates }
console-dash-codes = Промокодов осталось: QRT — { $qrt_left }, выдано { $qrt_issued } · QAZTEST — { $qaztest_left }, выдано { $qaztest_issued }
console-dash-codes-cabinet = Промокоды формируются в личном кабинете на pkrezerv.gov.kz. Сохранили копию в боте: QRT — { $qrt_kept }, QAZTEST — { $qaztest_kept }
console-dash-reminders = Напоминания: в очереди { $pending } · отправлено { $sent } · не доставлено { $failed }
console-dash-people = Заблокировали бота: { $blocked } · новых кандидатов за сегодня, { $date }: { $new }

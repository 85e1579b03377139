# The organisers' console: only organisers see these texts.

console-cmd-admin = Консоль организатора
console-cmd-find = Найти кандидата по телефону или chat id
console-cmd-replace = Заменить неработающий промокод

console-menu =
    🛠 <b>Консоль организатора</b>
    Найти кандидата: /find телефон или chat id
    Заменить неработающий промокод: /replace chat id причина
    Рассылка кандидатам: /broadcast
console-btn-find = 🔎 Найти кандидата

console-find-usage = Чтобы найти кандидата, отправьте /find и телефон в любом привычном виде (+7 701 234 56 78, 87012345678) или chat id, например: /find 87012345678
console-find-none = Кандидат не найден.
console-find-none-not-eligible = Кандидат не найден, и этого номера нет в списке допущенных.
console-find-eligible-only = Номер есть в списке допущенных, но кандидата с ним в боте пока нет, и промокод по нему не выдавался.

console-card-title = 👤 <b>Кандидат</b> (chat id <code>{ $chat }</code>)
console-card-lang = Язык: { $lang }
console-card-stage = Этап: { $stage }
console-card-step = Этап: { $stage }, шаг { $step }
console-card-city = Город: { $city }
console-card-way = Способ: { $way }
console-card-phone = Телефон: { $phone }
console-card-code = Промокод: <code>{ $code }</code>, { $way }, выдан { $issued }
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
console-stage-contact = ждём номер телефона
console-stage-ready = шаги пройдены
console-stage-lost = состояние не прочитано

console-replace-usage = Чтобы заменить неработающий промокод, отправьте /replace, chat id или телефон кандидата и причину, например: /replace 123456789 сайт пишет, что код недействителен
console-replace-reason-too-long = Причина слишком длинная: не больше { $max } символов.
console-replace-ambiguous = Под этот запрос подходят несколько кандидатов. Укажите chat id из /find.
console-replace-no-code = У этого кандидата нет выданного промокода: заменять нечего.
console-replace-pool-empty = Промокоды { $way } закончились: замена невозможна, ничего не изменено. Загрузите новые коды и повторите.
console-replaced = Готово: промокод <code>{ $old }</code> отозван, кандидату (chat id { $chat }) выдан новый — <code>{ $new }</code>, { $way }. Кандидат получит сообщение с новым кодом. Отозванный код больше никому не выдаётся.

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

# The organisers' console: only organisers see these texts.

console-cmd-admin = Консоль организатора
console-cmd-dashboard = Воронка кандидатов и счётчики кампании
console-cmd-find = Найти кандидата по телефону или chat id
console-cmd-replace = Заменить неработающий промокод

console-menu =
    🛠 <b>Консоль организатора</b>
    Воронка кандидатов и счётчики: /dashboard
    Найти кандидата: /find телефон или chat id
    Заменить неработающий промокод: /replace chat id причина
console-btn-find = 🔎 Найти кандидата
console-btn-dashboard = 📊 Воронка и счётчики
console-btn-refresh = 🔄 Обновить

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
console-replaced = Готово: промокод <code>{ $old }</code> отозван. Кандидату с chat id { $chat } выдан новый промокод на { $way }: <code>{ $new }</code>. Кандидат получит сообщение с новым кодом. Отозванный код больше никому не выдаётся.

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

# The organisers' console: only organisers see these texts.

console-cmd-admin = Консоль организатора
console-cmd-find = Найти кандидата по телефону или chat id
console-cmd-replace = Заменить неработающий промокод

console-menu =
    🛠 <b>Консоль организатора</b>
    Найти кандидата: /find телефон или chat id
    Заменить неработающий промокод: /replace chat id или телефон, затем причина
console-btn-find = 🔎 Найти кандидата

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

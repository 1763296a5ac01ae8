"""Boilerplate lines are stripped by name; editorial lead-ins stay."""

from __future__ import annotations

import pytest

from newscrawl.core.boilerplate import strip_lines
from newscrawl.core.sites import patterns_for

FAMILY = patterns_for("eurointegration")


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Реклама:", "ad_label"),
        ("РЕКЛАМА:", "ad_label"),
        ("Advertisement:", "ad_label"),
        (
            "Если вы заметили ошибку, выделите необходимый текст и нажмите Ctrl+Enter, чтобы сообщить об этом редакции.",
            "error_report",
        ),
        (
            "Якщо ви помітили помилку, виділіть необхідний текст і натисніть Ctrl + Enter, щоб повідомити про це "
            "редакцію.",
            "error_report",
        ),
        ("If you notice an error, select the required text and press Ctrl  +  Enter to report it.", "error_report"),
        ('Реклама: Підписуйся на "Європейську правду"!', "subscribe"),
        ('Підписуйся на "Європейську правду"!', "subscribe"),
        ("Підписуйтесь на Telegram-канал УП", "subscribe"),
        ("Follow Ukrainska Pravda on Twitter", "subscribe"),
        ("Підтримати УП", "support_call"),
        ("Читайте також: Як ЄС готує 20-й пакет санкцій", "read_also"),
        ("Читайте также: Как ЕС готовит 20-й пакет санкций", "read_also"),
        ("Більше на цю тему: статті нашого видання", "read_also"),
        ("Читайте більше у статті: Угорщина блокує", "read_also"),
        ("Шановні читачі, просимо дотримуватись Правил коментування", "comment_rules"),
        ("Посилання скопійовано", "link_copied"),
    ],
)
def test_boilerplate_line_is_stripped(line: str, name: str) -> None:
    text, removed = strip_lines(f"Перший абзац.\n{line}\nДругий абзац.", FAMILY)
    assert text == "Перший абзац.\nДругий абзац."
    assert removed == [(name, line)]


@pytest.mark.parametrize(
    "line",
    [
        "Джерело: Reuters",
        "Деталі: міністр заявив, що переговори тривають.",
        "Пряма мова: «Ми вже ведемо переговори».",
        "Що передувало:",
        "Передісторія:",
        "Нагадаємо:",
        "Нагадаємо, ЄС почав фінансувати кабель Far North Fiber.",
        "Напомним, Европейский Союз начинает выделять финансирование.",
        "Реклама алкоголю в Україні обмежена законом, нагадали в МОЗ.",  # the word in a sentence is news
        "Читайте також книжки: порада тижня від міністра культури.",  # no colon right after the call
    ],
)
def test_editorial_lines_are_kept(line: str) -> None:
    text, removed = strip_lines(line, FAMILY)
    assert (text, removed) == (line, [])

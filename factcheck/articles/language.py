"""Which language an article is in, when whoever imports it does not say.

py3langid (langid.py's maintained fork; its model ships in the wheel, nothing is
downloaded) chooses among the languages the segmenter knows, from the title and the
start of the body. Its model takes a second to load, so it loads on first use: most
imports name their language, and a web worker that never detects never pays for it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

#: The languages detection chooses among: those the segmenter has rules or sentencex
#: data for (the multilingual test cases cover each), English first.
DETECTED_LANGUAGES = (
    "en", "am", "ar", "bg", "da", "de", "el", "es", "fa", "fi", "fr", "he", "hi", "hy",
    "it", "ja", "kk", "ml", "mr", "my", "nl", "pa", "pl", "pt", "ru", "sk", "tr", "uk",
    "ur", "zh",
)  # fmt: skip
#: What an article is taken to be written in when detection is unsure (very short or
#: mixed text): the language of the interface and of the newsroom's default.
FALLBACK_LANGUAGE = "en"
#: Below this probability the detector's answer is not trusted.
MIN_CONFIDENCE = 0.5
#: Characters read: a few paragraphs say the language as surely as the whole text, and
#: a million-character body would cost a hundred milliseconds more for nothing.
_SAMPLE_CHARS = 4_000


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([code for code in DETECTED_LANGUAGES if code in identifier.labels])
    return identifier


def detect_language(title: str, body: str) -> str:
    """The language tag (``"es"``) of an article, or :data:`FALLBACK_LANGUAGE`."""
    sample = f"{title}\n{body[:_SAMPLE_CHARS]}"
    if not any(character.isalpha() for character in sample):
        return FALLBACK_LANGUAGE
    language, probability = _identifier().classify(sample)
    return str(language) if probability >= MIN_CONFIDENCE else FALLBACK_LANGUAGE

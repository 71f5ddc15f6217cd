"""Words the pages show as data (province names, college types, coded labels) and translate.

They are defined once where they belong; `make translations` reads them from there through
`extract`, a Babel extractor named in babel.cfg, so the catalogue lists each word without a
second copy of the lists. Templates translate them with `_(word)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def vocabularies() -> dict[str, Iterable[str]]:
    """Every list of words the pages show, by what the words are."""
    from expectations import load_rules
    from registry.indicators.strata import DIMENSION_LABELS, DIMENSIONS, value_label
    from registry.reference_data import INSTITUTION_TYPES, PROVINCES, SECTORS
    from registry.services.releases.releases import KINDS
    from registry.services.review.threads import KIND_LABELS
    from registry.web.public import COMPONENT_LABELS
    from schemas.codes import Level, MentoringModel
    from schemas.indicators import CATALOGUE

    return {
        "province": PROVINCES.values(),
        "college type": INSTITUTION_TYPES,
        "sector": SECTORS,
        "release kind": KINDS,
        "programme level": [level.label for level in Level],
        "mentoring model": [model.label for model in MentoringModel],
        "framework component": COMPONENT_LABELS.values(),
        "indicator": [indicator.name for indicator in CATALOGUE],
        "indicator definition": [indicator.definition for indicator in CATALOGUE],
        "indicator unit": [indicator.unit for indicator in CATALOGUE],
        "which values are better": [indicator.better for indicator in CATALOGUE],
        "benchmark dimension": DIMENSION_LABELS.values(),
        "benchmark group": [value_label(dimension, value)
                            for dimension, values in DIMENSIONS.items() for value in values],
        "thread message kind": KIND_LABELS.values(),
        "quality rule": [rule.title for rule in load_rules()],
        "quality rule guidance": [rule.guidance for rule in load_rules()],
        **dictionary_words(),
    }


def dictionary_words() -> dict[str, list[str]]:
    """The words of the data dictionary (/standard) of every supported version."""
    from schemas import SUPPORTED_VERSIONS
    from schemas.dictionary import dictionary_changes
    from schemas.validation import schema_of_version

    rows = [row for version in SUPPORTED_VERSIONS for row in dictionary_changes(version)]
    return {
        "data standard section": [section.label for version in SUPPORTED_VERSIONS
                                  for section in schema_of_version(version).fields.values()],
        "data standard field": [row["label"] for row in rows],
        "data standard field type": [row["type"] for row in rows],
        "data standard code": [code["label"] for row in rows for code in row["codes"]],
        "data standard rule": [rule for row in rows for rule in row["rules"]],
        "data standard guidance": [row["guidance"] for row in rows if row["guidance"]],
    }


def extract(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel extractor: one message per word, its kind as the translator's comment."""
    seen = set()
    for kind, words in vocabularies().items():
        for word in words:
            if word not in seen:
                seen.add(word)
                yield 0, None, word, [f"{kind}"]

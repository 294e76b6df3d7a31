"""A drop-in, faster attribute ruler: the same rules as spaCy's, without the Matcher.

The English pipeline's `attribute_ruler` maps every fine-grained tag to its coarse POS and
morphology, then applies about a hundred exceptions (pronoun features, auxiliaries, "n't",
...). spaCy runs them all through the token Matcher, which on our short documents costs
about as much as the parser. `FastAttributeRuler` compiles the same patterns into
dictionary lookups on a token's tag and lower-case form (the few patterns that fit neither
are tried on every token) and writes POS and morphology back with one `Doc.from_array`.
It accepts only pattern shapes it evaluates exactly and raises `UnsupportedPattern` on
anything else, so a pipeline either gets the same annotations or keeps spaCy's ruler.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy
from spacy.attrs import DEP, IS_SPACE, LEMMA, LOWER, MORPH, POS, TAG
from spacy.language import Language
from spacy.pipeline import AttributeRuler
from spacy.strings import StringStore
from spacy.tokens import Doc

_FEATURES = ("TAG", "LOWER", "DEP", "IS_SPACE")  # the token features a pattern may test
_INDEXED = ("LOWER", "TAG", "DEP", "IS_SPACE")  # most selective first
_WRITABLE = frozenset({POS, MORPH, LEMMA, TAG, DEP})
Features = tuple[int, int, int, int]
Check = Callable[[Features], bool]


class UnsupportedPattern(ValueError):
    """An attribute-ruler pattern this module cannot evaluate exactly."""


@dataclass(frozen=True, eq=False)
class _Rule:
    order: int  # the attribute ruler's rule number: later rules win
    checks: tuple[tuple[Check, ...], ...]  # the constraints on each token of the pattern
    target: int  # the token of the match that gets the attributes
    attrs: dict[int, int]
    form_check: Check | None  # the first token's LOWER test, if it has one


def _value_check(position: int, value: object, strings: StringStore) -> Check:
    """Compile one constraint (a string, a bool, IN / NOT_IN / REGEX) on one feature."""
    if isinstance(value, bool):
        flag = int(value)
        return lambda f: f[position] == flag
    if isinstance(value, str):
        wanted = strings.add(value) if value else 0
        return lambda f: f[position] == wanted
    if isinstance(value, dict) and len(value) == 1:
        ((operator, operand),) = value.items()
        if operator in ("IN", "NOT_IN") and isinstance(operand, list):
            members = frozenset(strings.add(v) if v else 0 for v in operand)
            if operator == "IN":
                return lambda f: f[position] in members
            return lambda f: f[position] not in members
        if operator == "REGEX" and isinstance(operand, str):
            pattern = re.compile(operand)
            return lambda f: bool(f[position]) and bool(pattern.search(strings[f[position]]))
    raise UnsupportedPattern(f"constraint {value!r}")


class FastAttributeRuler:
    """Apply an `AttributeRuler`'s rules to docs: the same result, much faster."""

    def __init__(self, ruler: AttributeRuler) -> None:
        self.strings = ruler.vocab.strings
        # The leading run of rules that test only the tag is a tag map: POS and morphology
        # of every token by its tag. The later rules are exceptions, indexed by the feature
        # their first token names exactly (form, tag, dependency, whitespace).
        self.tag_map: dict[int, dict[int, int]] = {}
        self.index: dict[str, dict[int, list[_Rule]]] = {f: {} for f in _INDEXED}
        self.general: list[_Rule] = []  # exceptions that name nothing exactly (a REGEX)
        self._general_by_form: dict[int, list[_Rule]] = {}
        in_tag_map = True
        for order, entry in enumerate(ruler.patterns):
            attrs = dict(ruler.attrs[order])
            if set(attrs) - _WRITABLE:
                raise UnsupportedPattern(f"attributes {entry['attrs']!r}")
            patterns = entry["patterns"]
            in_tag_map = in_tag_map and all(
                len(p) == 1 and set(p[0]) == {"TAG"} and isinstance(p[0]["TAG"], str)
                for p in patterns
            )
            for pattern in patterns:
                if in_tag_map:
                    tag = self.strings.add(pattern[0]["TAG"])
                    self.tag_map.setdefault(tag, {}).update(attrs)
                else:
                    self._add(order, pattern, entry["index"], attrs)

    def _add(self, order: int, pattern: list[dict], index: int, attrs: dict[int, int]) -> None:
        length = len(pattern)
        if not 1 <= length <= 2 or not -length <= index < length:
            raise UnsupportedPattern(f"pattern {pattern!r}")
        checks = []
        for spec in pattern:
            if not spec or set(spec) - set(_FEATURES):
                raise UnsupportedPattern(f"pattern {pattern!r}")
            checks.append(
                tuple(_value_check(_FEATURES.index(k), v, self.strings) for k, v in spec.items())
            )
        first = pattern[0]
        form_check = None
        if "LOWER" in first:
            form_check = _value_check(_FEATURES.index("LOWER"), first["LOWER"], self.strings)
        rule = _Rule(order, tuple(checks), index % length, attrs, form_check)
        first = pattern[0]
        for feature in _INDEXED:
            value = first.get(feature)
            if feature == "IS_SPACE" and value is True:
                keys = [1]
            elif feature == "IS_SPACE":
                continue
            elif isinstance(value, str) and value:
                keys = [self.strings.add(value)]
            elif isinstance(value, dict) and set(value) == {"IN"} and all(value["IN"]):
                keys = [self.strings.add(v) for v in set(value["IN"])]
            else:
                continue
            for key in keys:
                self.index[feature].setdefault(key, []).append(rule)
            return
        self.general.append(rule)

    def _general_rules(self, form: int) -> list[_Rule]:
        """Return the general rules a token of this form may start (its LOWER test passes)."""
        if len(self._general_by_form) > 200_000:
            self._general_by_form.clear()
        probe = (0, form, 0, 0)
        rules = [r for r in self.general if r.form_check is None or r.form_check(probe)]
        self._general_by_form[form] = rules
        return rules

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        features: list[Features] = [
            tuple(row) for row in doc.to_array([TAG, LOWER, DEP, IS_SPACE]).tolist()
        ]
        values = doc.to_array([POS, MORPH])
        others: dict[tuple[int, int], int] = {}
        tag_map = self.tag_map
        for i, here in enumerate(features):
            mapped = tag_map.get(here[0])
            if mapped:
                self._set(values, others, i, mapped)
        count = len(features)
        matches: list[tuple[int, int, int, _Rule]] = []
        by_form, by_tag, by_dep, by_space = (self.index[f] for f in _INDEXED)
        general_by_form = self._general_by_form
        for i, (tag, form, dep, space) in enumerate(features):
            groups = (by_form.get(form), by_tag.get(tag), by_dep.get(dep), by_space.get(space))
            general = general_by_form.get(form)
            if general is None:
                general = self._general_rules(form)
            for group in (*groups, general):
                for rule in group or ():
                    checks = rule.checks
                    if i + len(checks) > count:
                        continue
                    if all(
                        check(features[i + k]) for k, each in enumerate(checks) for check in each
                    ):
                        matches.append((rule.order, i, i + rule.target, rule))
        # In spaCy's order (rule number, then position): later rules overwrite earlier ones.
        matches.sort(key=lambda m: m[:3])
        for _, _, target, rule in matches:
            self._set(values, others, target, rule.attrs)
        doc.from_array([POS, MORPH], values)
        for (target, attr), value in others.items():
            token = doc[target]
            if attr == LEMMA:
                token.lemma = value
            elif attr == TAG:
                token.tag = value
            else:
                token.dep = value
        return doc

    @staticmethod
    def _set(
        values: numpy.ndarray, others: dict[tuple[int, int], int], i: int, attrs: dict[int, int]
    ) -> None:
        for attr, value in attrs.items():
            if attr == POS:
                values[i, 0] = value
            elif attr == MORPH:
                values[i, 1] = value
            else:
                others[(i, attr)] = value

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)


@Language.factory("fast_attribute_ruler", default_config={"patterns": []})
def make_fast_attribute_ruler(nlp: Language, name: str, patterns: list[dict]) -> FastAttributeRuler:
    """Build the fast ruler from attribute-ruler patterns (as `AttributeRuler.patterns` lists)."""
    ruler = AttributeRuler(nlp.vocab, name)
    ruler.add_patterns(patterns)
    return FastAttributeRuler(ruler)


def replace_attribute_ruler(nlp: Language) -> bool:
    """Swap the pipeline's attribute ruler for a `FastAttributeRuler` if it can be compiled."""
    if "attribute_ruler" not in nlp.pipe_names:
        return False
    ruler = nlp.get_pipe("attribute_ruler")
    try:
        FastAttributeRuler(ruler)
    except UnsupportedPattern:
        return False
    nlp.replace_pipe("attribute_ruler", "fast_attribute_ruler", config={"patterns": ruler.patterns})
    return True

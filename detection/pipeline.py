"""cloudsift's pySigma processing pipeline, generated from the field map (DESIGN decisions 1 and 8).

Per logsource (product `aws`, service = a cloudsift log type) it maps native AWS field names to
the ECS fields the normalizer writes, restricts the rule to that source's `event.dataset`, and
rewrites values so Elasticsearch keyword fields deliver Sigma's matching semantics:

- plain strings (also with wildcards, `|contains`, `|startswith`, `|endswith`) query the
  lowercase `<field>.caseless` sub-field with a lowercased value: case-insensitive;
- `|cased` strings query the exact `<field>`;
- `|re` becomes an anchored Lucene regexp on the exact field (case-sensitive, as in Sigma),
  `|re|i` the same pattern with every letter case-folded;
- `|cidr` stays on `ip` fields; null and `|exists` test the exact field.

Flattened keys (`requestParameters.*`) match case-sensitively: Elasticsearch's flattened
type has no normalizer and refuses regexp and case-insensitive wildcard on keyed fields.
ES|QL and EQL cannot read flattened fields at all (Elasticsearch 9.2; ES|QL's FIELD_EXTRACT is a
9.5 preview), so for them a rule that needs one is refused, naming the field.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from sigma.conditions import ConditionAND, ConditionOR
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaTransformationError
from sigma.processing.conditions import LogsourceCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import AddConditionTransformation, RuleFailureTransformation
from sigma.processing.transformations.base import DetectionItemTransformation
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import (
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaExists,
    SigmaNull,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaType,
)

from detection import fields
from detection.regex import RegexError, to_lucene
from normalizer.applog.fields import MODULE as APPLOG_MODULE
from normalizer.applog.spec import dataset_problem

CASELESS = "caseless"  # the sub-field normalizer.mapping gives every keyword field
# Field types Elasticsearch cannot wildcard-match (numbers, dates, addresses).
_NO_WILDCARDS = frozenset({"ip", "long", "double", "date"})


@dataclass
class NativeToEcs(DetectionItemTransformation):
    """Map one source's native field names to ECS and its values to Elasticsearch's semantics."""

    service: str
    caseless: bool = True  # False for ES|QL/EQL: their backends handle case themselves
    plain_cased: bool = False  # ES|QL: `==` is already case-sensitive and the backend refuses |cased
    exists_as_null: bool = False  # EQL: the backend has no exists expression, but has `?field != null`
    flattened_unreadable_by: str | None = None  # ES|QL, EQL: the language that cannot read flattened fields

    def apply(self, rule: SigmaRule | SigmaCorrelationRule) -> None:
        self._rule = rule
        super().apply(rule)
        if isinstance(rule, SigmaCorrelationRule):
            # Aggregations need the exact field (the caseless sub-field has no doc values).
            rule.group_by = [self._target(name).ecs for name in rule.group_by or ()]
            ref = rule.condition.fieldref
            if isinstance(ref, str):
                rule.condition.fieldref = self._target(ref).ecs
            elif isinstance(ref, list):
                rule.condition.fieldref = [self._target(name).ecs for name in ref]

    def _target(self, native: str) -> fields.Target:
        try:
            return fields.resolve(self.service, native)
        except fields.UnknownField as exc:
            raise SigmaTransformationError(exc.describe(self.service), source=self._rule.source) from None

    def _readable(self, native: str, target: fields.Target) -> fields.Target:
        """`target`, unless the language cannot read it (a flattened field in ES|QL or EQL)."""
        if self.flattened_unreadable_by and target.type == "flattened":
            self._fail(f"{native!r} is kept in the flattened field {target.ecs}, which "
                       f"{self.flattened_unreadable_by} cannot read (Elasticsearch 9.2); the lucene and dsl "
                       "targets can")
        return target

    def apply_detection_item(self, detection_item: SigmaDetectionItem) -> SigmaDetection | SigmaDetectionItem | None:
        native = detection_item.field
        if native is None:
            return None  # a keyword search: no field to map
        target = self._target(native)
        if self.exists_as_null and len(detection_item.value) == 1 and isinstance(detection_item.value[0], SigmaExists):
            exists = detection_item.value[0].exists
            target = self._readable(native, target)
            return SigmaDetectionItem(target.ecs, [], [SigmaNull()], negated=exists, source=detection_item.source)
        groups: dict[str, list[SigmaType]] = {}
        for value in detection_item.value:
            name, converted = self._convert(native, target, value)
            groups.setdefault(name, []).append(converted)
        # `|neq` negates the whole item; split over several fields, not (a or b) is (not a) and (not b).
        negated = detection_item.negated
        items = [
            SigmaDetectionItem(name, [], values, detection_item.value_linking, negated=negated,
                               source=detection_item.source)
            for name, values in groups.items()
        ]
        if len(items) == 1:
            return items[0]
        linking = ConditionAND if (detection_item.value_linking is ConditionAND) != negated else ConditionOR
        return SigmaDetection(items, source=detection_item.source, item_linking=linking)

    def _convert(self, native: str, target: fields.Target, value: SigmaType) -> tuple[str, SigmaType]:
        if isinstance(value, SigmaString | SigmaRegularExpression):
            target = fields.string_twin(self.service, target) or target
        target = self._readable(native, target)
        if not self.caseless:
            if self.plain_cased and isinstance(value, SigmaCasedString):
                return target.ecs, _plain(value)
            return target.ecs, value
        if isinstance(value, SigmaRegularExpression):
            return target.ecs, self._regex(native, target, value)
        if isinstance(value, SigmaCIDRExpression) and target.type != "ip":
            twin = fields.ip_twin(self.service, target)
            if twin is None:
                self._fail(f"|cidr on {native!r}, which is {target.type}, not an ip field")
            return twin.ecs, value
        if isinstance(value, SigmaCasedString):
            return target.ecs, _plain(value)
        if isinstance(value, SigmaString):
            if target.type == "keyword":
                return f"{target.ecs}.{CASELESS}", value.lower()
            if target.type in _NO_WILDCARDS and value.contains_special():
                self._fail(f"wildcards on {native!r}, which is {target.type}: compare values (or use |cidr on ips)")
            if target.type == "boolean":
                return target.ecs, value.lower()
        return target.ecs, value

    def _regex(self, native: str, target: fields.Target, value: SigmaRegularExpression) -> SigmaRegularExpression:
        if target.type != "keyword":
            self._fail(f"|re on {native!r}: Elasticsearch runs regexps on keyword fields only, it is {target.type}")
        ignore_case = SigmaRegularExpressionFlag.IGNORECASE in value.flags
        try:
            return SigmaRegularExpression(to_lucene(str(value.regexp), ignore_case=ignore_case))
        except RegexError as exc:
            self._fail(str(exc))

    def _fail(self, message: str) -> NoReturn:
        raise SigmaTransformationError(message, source=self._rule.source)


def _plain(value: SigmaCasedString) -> SigmaString:
    """A cased string as a plain one: the exact keyword field is case-sensitive by itself."""
    plain = SigmaString(value.original)
    plain.s = value.s
    return plain


@dataclass
class AppDataset(AddConditionTransformation):
    """Restrict an application-log rule to its app: `product: <dataset>` → that event.dataset; no product → every
    application's documents (event.module applog). A product that is no valid dataset name fails the rule."""

    def apply(self, rule: SigmaRule | SigmaCorrelationRule) -> None:
        if isinstance(rule, SigmaRule):
            product = rule.logsource.product
            if product is None:
                self.conditions = {"event.module": APPLOG_MODULE}
            else:
                problem = dataset_problem(product)
                if problem:
                    raise SigmaTransformationError(f"logsource product (the application's dataset): {problem}",
                                                   source=rule.source)
                # One transformation serves every rule of a compile, one rule at a time: set per rule.
                self.conditions = {"event.dataset": product}
        super().apply(rule)


def _source_condition(service: str) -> list[LogsourceCondition]:
    if service == fields.APPLOG:  # the product names the application (its dataset), any product
        return [LogsourceCondition(service=service)]
    return [LogsourceCondition(product=fields.PRODUCT, service=service)]


def build(
    *,
    caseless: bool = True,
    plain_cased: bool = False,
    exists_as_null: bool = False,
    flattened_unreadable_by: str | None = None,
    backends: frozenset[str] = frozenset(),
) -> ProcessingPipeline:
    """The pipeline for every source; `caseless=False` keeps field names exact (ES|QL, EQL).

    `backends` names the sigma-cli targets the pipeline is meant for (empty: any), so sigma-cli
    warns a user who pairs it with another one.
    """
    items: list[ProcessingItem] = []
    for service in fields.SERVICES:
        items.append(ProcessingItem(
            NativeToEcs(service, caseless, plain_cased, exists_as_null, flattened_unreadable_by),
            rule_conditions=_source_condition(service), identifier=f"cloudsift_{service}_fields",
        ))
        values = list(fields.datasets(service))
        restrict = AppDataset() if service == fields.APPLOG else \
            AddConditionTransformation({"event.dataset": values if len(values) > 1 else values[0]})
        items.append(ProcessingItem(
            restrict, rule_conditions=_source_condition(service), identifier=f"cloudsift_{service}_dataset",
        ))
    # Every rule must name a known source: anything else would search the wrong documents.
    items.append(ProcessingItem(
        RuleFailureTransformation(
            "cloudsift knows logsource product 'aws' with service "
            + ", ".join(repr(s) for s in fields.SERVICES if s != fields.APPLOG)
            + f", and service {fields.APPLOG!r} with the application's dataset as product (or none: every app)"
        ),
        rule_conditions=[c for s in fields.SERVICES for c in _source_condition(s)],
        rule_condition_linking=any, rule_condition_negation=True, identifier="cloudsift_unknown_logsource",
    ))
    return ProcessingPipeline(name="cloudsift AWS → ECS", priority=20, items=items, allowed_backends=backends)

"""The demo's RMAs and mis-shipment claims (D-5), written through ``rma.services`` and
``rma.claims`` by the people who do them in the product: the customer opens a technical
case, the TSE raises the request, the RMA specialist reviews it, the customer asks, cancels
or answers a quote, the depot books the boxes, the sweep flags returns not received.

The scenes are fixed, so that every state of D-5 is there whatever the seed: requests in
each status, lines in each state of both flows, advance replacements overdue and on time,
a box returned to sender and one held for a wrong serial, time-and-material quotes offered,
accepted and declined, and claims accepted and refused. The units come from the demo's
installed base, chosen by the type their entitlement gives them on the day (D-5.2), so a
line is typed by the service exactly as it would be for a customer.

Each scene is a generator of steps, each step some hours after the scene's previous one;
the steps of all scenes run in the order of their moments, with the clock at each. So RMA
numbers come from the one sequence in the order of the approvals (D-5.1), the sweep of
returns not received (D-5.5) runs twice a day and sees what had happened by then, and
every unit is typed on the day of its request.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from caredesk.accounts.models import Organisation, User
from caredesk.cases import services as cases
from caredesk.cases.models import Case
from caredesk.core.clock import local_date
from caredesk.core.errors import ValidationFailed
from caredesk.demo import stories
from caredesk.entitlements.queries import entitlement
from caredesk.installbase import services as installbase
from caredesk.installbase.models import Asset, Product, PurchaseChannel
from caredesk.rma import claims
from caredesk.rma import services as rma
from caredesk.rma.models import (
    SUBTYPE_OF_KIND,
    MisShipmentClaim,
    MisShipmentKind,
    ReturnCharge,
    RmaLine,
    RmaRequest,
    RmaType,
)
from caredesk.rma.services import LineAction as Do

if TYPE_CHECKING:
    from caredesk.demo.builder import DemoBuilder, _Customer

ADVANCE = (RmaType.ADVANCE_REPLACEMENT,)
FACTORY = (RmaType.RETURN_TO_FACTORY,)
WARRANTY = (RmaType.WARRANTY, RmaType.RETURN_TO_FACTORY)
DOA = (RmaType.DEAD_ON_ARRIVAL, RmaType.WARRANTY)
QUOTE = (RmaType.TIME_AND_MATERIAL,)
ANY = tuple(t for t in RmaType if t != RmaType.TIME_AND_MATERIAL)  # entitled, whatever the speed

# Sales orders of the mis-shipment claims (D-5.7), registered for them.
CLAIM_ACCEPTED_ORDER = "SO-4990101"  # Harbourline's direct order: claimed, the correct part shipped
CLAIM_DAY_90_ORDER = "SO-4990102"  # Rheinwerk's direct order: claimed on the 90th day, still open
CLAIM_TOO_LATE_ORDER = "SO-4990103"  # Lumière's direct order, shipped 120 days ago: refused
CLAIM_PARTNER_ORDER = "SO-4990104"  # Rheinwerk's order through Brightpath: refused to Rheinwerk, claimed by Brightpath

CARRIERS = {"DE": "DHL Express", "FR": "DHL Express", "GB": "DPD UK", "US": "UPS", "JP": "Yamato Transport"}


@dataclass
class RmaResult:
    """What the scenes made, for the demo's summary."""

    requests: int = 0
    claims: int = 0
    cases: int = 0
    refused_claims: list[str] = field(default_factory=list)  # who was refused what, in the portal's words


@dataclass
class _Step:
    """One thing a scene does: ``fn(*args)`` at ``at``, or ``hours`` after its previous step."""

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    hours: float = 0.0
    at: datetime | None = None


def step(hours: float, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> _Step:
    return _Step(fn, args, kwargs, hours=hours)


def at(moment: datetime, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> _Step:
    return _Step(fn, args, kwargs, at=moment)


# A scene: yields its steps, is sent each step's result; ``yield from`` a helper returns its value.
Steps = Generator[_Step, Any, Any]
SWEEP_EVERY = timedelta(hours=12)  # how often the demo's history sweeps returns not received


@dataclass
class _Scene:
    """A technical case and its RMA request, as far as it has come."""

    customer: _Customer
    contact: User
    case: Case
    request: RmaRequest
    units: list[Asset]

    @property
    def number(self) -> str:
        """The request's number now: its validation number, or its RMA number once approved."""
        self.request.refresh_from_db(fields=["rma_number", "validation_number", "status"])
        return self.request.number

    def line(self, position: int = 1) -> str:
        line_number = RmaLine.objects.get(request=self.request, position=position).line_number
        assert line_number is not None
        return line_number


class DemoRmas:
    """The scenes, and the helpers their steps are made of."""

    def __init__(self, builder: DemoBuilder):
        self.b = builder
        self.tse = builder.staff["tse"]
        self.specialist = builder.staff["rma"]
        self.depot = builder.staff["depot"]
        self.agent = builder.staff["agent"]
        self.used: set[str] = set()
        self.known: dict[str, tuple[RmaType, bool]] = {}  # serial: its type and whether entitled, when last asked
        self.shipments = 0
        self.result = RmaResult()

    def ago(self, days: float) -> datetime:
        return self.b.real_now - timedelta(days=days)

    def build(self) -> RmaResult:
        scenes = [
            *self._requests_under_review(),
            *self._advance_replacements(),
            *self._repairs(),
            self._box_without_a_number(),
            *self._claims(),
        ]
        self._run([*scenes, self._sweeps(start=self.ago(53))])
        self.result.claims = MisShipmentClaim.objects.count()
        self.result.cases += self.result.claims
        return self.result

    def _run(self, scenes: list[Steps]) -> None:
        """Run the steps of all scenes in the order of their moments."""
        limit = self.b.real_now - timedelta(minutes=5)
        queue: list[tuple[datetime, int, Steps, _Step]] = []
        order = 0

        def push(scene: Steps, after: datetime | None, result: Any = None) -> None:
            nonlocal order
            try:
                nxt = scene.send(result) if after is not None else next(scene)
            except StopIteration:
                return
            moment = nxt.at if nxt.at is not None else after
            assert moment is not None, "a scene's first step has its moment"
            moment += timedelta(hours=nxt.hours)
            if (after is not None and moment < after) or moment >= limit:
                raise RuntimeError(f"a demo RMA step out of order or in the future: {nxt.fn.__name__} at {moment}")
            order += 1
            heapq.heappush(queue, (moment, order, scene, nxt))

        for scene in scenes:
            push(scene, None)
        while queue:
            moment, _, scene, todo = heapq.heappop(queue)
            self.b.clock.moment = moment
            push(scene, moment, todo.fn(*todo.args, **todo.kwargs))

    def _sweeps(self, start: datetime) -> Steps:
        """The background sweep of returns not received (D-5.5), as the scheduler runs it."""
        moment = start
        while moment + SWEEP_EVERY < self.b.real_now - timedelta(minutes=10):
            moment += SWEEP_EVERY
            yield at(moment, rma.sweep_returns_not_received)

    # --- the people and the units -------------------------------------------------------

    def _phone(self, user: User) -> str:
        return self.b.phone_of(user)

    def _types(self, unit: Asset, day: date) -> tuple[RmaType, bool]:
        answer = entitlement(self.tse, unit.serial, kind="serial").assets[0]
        return rma.type_for(answer, day).rma_type, answer.technical_cases

    @staticmethod
    def _fits(known: tuple[RmaType, bool], types: tuple[RmaType, ...], position: int) -> bool:
        kind, entitled = known
        return kind in types and (entitled or position > 0)

    def _units(self, keys: Sequence[str], wanted: Sequence[tuple[RmaType, ...]]) -> tuple[_Customer, list[Asset]]:
        """Units of the first customer of ``keys`` (else of any) that has one of each wanted type today
        (the clock's day), shipped well before and on no other request of the demo; the
        first unit is entitled to technical cases (D-3.2), so its case can be opened."""
        day = local_date(self.b.clock.moment)
        # Another seed may give the preferred customers no such unit: then any other one.
        others = [k for k, c in self.b.customers.items() if k not in keys and not c.org.government]
        for key in [*keys, *others]:
            customer = self.b.customers[key]
            chosen: list[Asset] = []
            for n, types in enumerate(wanted):
                doa = types[0] == RmaType.DEAD_ON_ARRIVAL  # a new unit, by preference
                for unit in self.b.units.by_owner.get(customer.org.pk, []):
                    if unit.serial in self.used or unit in chosen or unit.site_id is None or unit.ship_date is None:
                        continue
                    age = (day - unit.ship_date).days
                    if age < 5 or (doa and age > 30):
                        continue
                    # A unit's type seldom changes from one scene's day to the next: the
                    # last answer is kept, and asked again for the day only when it fits.
                    if unit.serial not in self.known:
                        self.known[unit.serial] = self._types(unit, day)
                    if not self._fits(self.known[unit.serial], types, n):
                        continue
                    self.known[unit.serial] = self._types(unit, day)
                    if self._fits(self.known[unit.serial], types, n):
                        chosen.append(unit)
                        break
                else:
                    break
            if len(chosen) == len(wanted):
                self.used.update(u.serial for u in chosen)
                return customer, chosen
        raise RuntimeError(f"the demo's installed base has no units of types {wanted} for {keys}")

    def _shipment(self, unit: Asset) -> dict[str, str]:
        self.shipments += 1
        country = unit.site.country if unit.site else ""
        carrier = CARRIERS.get(country, "DHL Express")
        return {"carrier": carrier, "tracking_number": f"{carrier[:2].upper()}{4410270000 + self.shipments * 7919}"}

    # --- the steps of a scene ----------------------------------------------------------------

    def scene(
        self,
        keys: Sequence[str],
        story_key: str,
        wanted: Sequence[tuple[RmaType, ...]],
        days_ago: float,
        *,
        contact: int = 0,
        priority: str = "P3",
    ) -> Generator[_Step, Any, _Scene]:
        """The customer opens a technical case about a unit; the TSE takes it, finds a
        hardware fault and raises the RMA request (D-5.1) for the units."""
        customer, units = yield at(self.ago(days_ago), self._units, keys, wanted)
        person = customer.users[min(contact, len(customer.users) - 1)]
        story = stories.RMA_STORIES[story_key]
        first = units[0]
        site = next((s for s in customer.sites if s.pk == first.site_id), None)
        ctx = {
            "person": person.full_name,
            "first": person.full_name.split()[0],
            "serial": first.serial,
            "serials": ", ".join(u.serial for u in units),
            "product": first.product.name,
            "platform": first.product.platform,
            "site": site.name if site else customer.org.name,
        }
        new_case = cases.NewCase(
            kind="technical",
            request_type="",
            request_subtype="",
            priority=priority,
            follow_up_method="phone" if priority in ("P1", "P2") else "email",
            callback_phone=self._phone(person),
            summary=story.summary.format(**ctx),
            description=story.description.format(**ctx),
            serial_number=first.serial,
            site_code=site.code if site else "",
        )
        case = yield step(0, cases.open_case, person, new_case)
        self.result.cases += 1
        yield step(0.4, cases.assign, self.tse, case.case_id)
        yield step(0.1, cases.reply, self.tse, case.case_id, stories.RMA_ACKNOWLEDGEMENT.format(**ctx))
        yield step(2.5, cases.add_note, self.tse, case.case_id, story.diagnosis)
        lines = [rma.NewLine(u.serial, story.fault, story.failure) for u in units]
        request = yield step(0.3, rma.request_rma, self.tse, case.case_id, lines)
        yield step(0.1, cases.reply, self.tse, case.case_id, stories.RMA_TELL_CUSTOMER.format(**ctx))
        self.result.requests += 1
        return _Scene(customer, person, case, request, units)

    def approve(self, s: _Scene, hours: float = 3) -> Steps:
        yield step(hours, rma.approve, self.specialist, s.request.validation_number)

    def _advance(self, s: _Scene, position: int, action: Do) -> RmaLine:
        """Support logistics move the line on (D-5.4), with a shipment where it ships."""
        unit = s.units[position - 1]
        extra: dict[str, str] = {}
        if action in (Do.SHIP_REPLACEMENT, Do.SHIP_BACK):
            extra = self._shipment(unit)
        if action == Do.SHIP_REPLACEMENT:
            extra["replacement_serial"] = f"{unit.serial[:4]}9{self.shipments:06d}"
        return rma.advance_line(self.depot, s.line(position), action, **extra)

    def move(self, s: _Scene, hours: float, action: Do, position: int = 1) -> Steps:
        yield step(hours, self._advance, s, position, action)

    def start_logistics(self, s: _Scene, hours: float, position: int) -> Steps:
        """Ship the replacement of an advance replacement, or send the return instructions."""
        kind = RmaLine.objects.get(request=s.request, position=position).rma_type
        yield from self.move(s, hours, Do.SHIP_REPLACEMENT if kind in ADVANCE else Do.AWAIT_RETURN, position)

    def _box(self, s: _Scene, position: int, serial: str) -> rma.Booking:
        return rma.receive_parcel(self.depot, s.line(position), serial or s.units[position - 1].serial)

    def receive(self, s: _Scene, hours: float, position: int = 1, *, serial: str = "") -> Steps:
        """A box reaches the depot with its line number on the label; the unit inside is read."""
        yield step(hours, self._box, s, position, serial)

    def _waive(self, s: _Scene) -> ReturnCharge:
        charge = ReturnCharge.objects.get(line__request=s.request)
        return rma.waive_charge(self.specialist, charge.pk, stories.RMA_WAIVER)

    def close_case(self, s: _Scene, hours: float) -> Steps:
        yield step(hours, cases.propose_resolution, self.tse, s.case.case_id, stories.RMA_RESOLUTION)
        yield step(5, cases.accept_resolution, s.contact, s.case.case_id)

    # --- the scenes --------------------------------------------------------------------------

    def _requests_under_review(self) -> list[Steps]:
        def pending() -> Steps:  # with its validation number only (D-5.1)
            yield from self.scene(["rheinwerk"], "no-power", [ADVANCE], 1.2, priority="P2")

        def awaiting_the_tse() -> Steps:
            s = yield from self.scene(["harbourline"], "boot", [FACTORY], 2.1)
            yield step(4, rma.ask_tse, self.specialist, s.number, stories.RMA_TO_TSE)

        def question_answered() -> Steps:
            # The customer asked and the specialist answered; the TSE answered the specialist
            # too, so the request is pending review again.
            s = yield from self.scene(["rheinwerk"], "fans", [ANY], 3.2, contact=1)
            yield step(2, rma.ask_question, s.contact, s.number, stories.RMA_CUSTOMER_QUESTION)
            yield step(1, rma.ask_tse, self.specialist, s.number, stories.RMA_TO_TSE)
            yield step(3, rma.answer_specialist, self.tse, s.number, stories.RMA_FROM_TSE)
            yield step(0.5, rma.answer_question, self.specialist, s.number, stories.RMA_CUSTOMER_ANSWER)

        def quote_offered() -> Steps:  # a unit nobody covers gets a quote (D-5.2), not answered yet
            yield from self.scene(["pacificcrest"], "ports", [ANY, QUOTE], 1.6)

        def rejected() -> Steps:  # the logs show a configuration problem
            s = yield from self.scene(["marazul"], "config", [FACTORY, ANY], 6.3)
            yield step(5, rma.reject, self.specialist, s.number, stories.RMA_REJECTION)

        def cancelled() -> Steps:
            s = yield from self.scene(["southerncross"], "reboots", [ANY], 8.4)
            yield step(20, rma.cancel, s.contact, s.number, stories.RMA_CANCELLATION)

        def refused() -> Steps:  # at once: flood damage is not covered (D-5.3)
            yield from self.scene(["harbourline"], "flood", [ANY, ANY], 4.3, contact=1)

        return [pending(), awaiting_the_tse(), question_answered(), quote_offered(), rejected(), cancelled(), refused()]

    def _advance_replacements(self) -> list[Steps]:
        """Advance replacement (D-5.4, D-5.5): approved, the replacement shipped, delivered,
        the defective unit received, closed; two defective units late."""

        def approved() -> Steps:  # nothing shipped yet
            s = yield from self.scene(["pacificcrest"], "ports", [ADVANCE], 1.1, priority="P2")
            yield from self.approve(s, 2)

        def shipped() -> Steps:  # yesterday: the unit is due in ten business days
            s = yield from self.scene(["rheinwerk"], "reboots", [ADVANCE], 1.5, priority="P2")
            yield from self.approve(s)
            yield from self.move(s, 2, Do.SHIP_REPLACEMENT)

        def delivered() -> Steps:  # three days ago: on time so far
            s = yield from self.scene(["harbourline"], "no-power", [ADVANCE], 4.2, priority="P2")
            yield from self.approve(s)
            yield from self.move(s, 1, Do.SHIP_REPLACEMENT)
            yield from self.move(s, 20, Do.DELIVER)

        def received() -> Steps:  # back well before the deadline
            s = yield from self.scene(["sakura"], "fans", [ADVANCE], 11.3)
            yield from self.approve(s)
            yield from self.move(s, 2, Do.SHIP_REPLACEMENT)
            yield from self.move(s, 16, Do.DELIVER)
            yield from self.receive(s, 24 * 6)

        def closed() -> Steps:
            s = yield from self.scene(["lumiere"], "boot", [ADVANCE, ADVANCE], 52.2, priority="P2")
            yield from self.approve(s)
            for position in (1, 2):
                yield from self.move(s, 1, Do.SHIP_REPLACEMENT, position)
            for position in (1, 2):
                yield from self.move(s, 18, Do.DELIVER, position)
            for position in (1, 2):
                yield from self.receive(s, 24 * 5, position)
                yield from self.move(s, 2, Do.CLOSE, position)
            yield from self.close_case(s, 6)

        def overdue() -> Steps:  # delivered five weeks ago, never returned: the sweep flags a charge
            s = yield from self.scene(["pacificcrest"], "no-power", [ADVANCE], 36.4, priority="P2")
            yield from self.approve(s)
            yield from self.move(s, 1, Do.SHIP_REPLACEMENT)
            yield from self.move(s, 22, Do.DELIVER)

        def overdue_and_waived() -> Steps:  # flagged, then the unit came in late after all
            s = yield from self.scene(["rheinwerk"], "ports", [ADVANCE], 41.1, priority="P2")
            yield from self.approve(s)
            yield from self.move(s, 1, Do.SHIP_REPLACEMENT)
            yield from self.move(s, 19, Do.DELIVER)
            yield from self.receive(s, 24 * 18)
            yield step(2, self._waive, s)
            yield from self.move(s, 1, Do.CLOSE)

        return [approved(), shipped(), delivered(), received(), closed(), overdue(), overdue_and_waived()]

    def _repairs(self) -> list[Steps]:
        """The repair flow (D-5.4): approved, awaiting the unit, received, repaired, shipped
        back, closed; repair at the factory, warranty, dead on arrival and quotes."""

        def approved() -> Steps:  # no return instructions sent yet
            s = yield from self.scene(["marazul"], "reboots", [FACTORY], 0.9)
            yield from self.approve(s, 2)

        def awaiting_the_unit() -> Steps:  # the box that came holds another serial: held (D-5.4)
            s = yield from self.scene(["harbourline", "rheinwerk"], "ports", [WARRANTY, ANY], 7.2)
            yield from self.approve(s)
            yield from self.move(s, 1, Do.AWAIT_RETURN)
            yield from self.start_logistics(s, 0.1, 2)
            yield from self.receive(s, 24 * 4, 1, serial=s.units[1].serial)

        def received() -> Steps:
            s = yield from self.scene(["southerncross"], "boot", [FACTORY], 5.2)
            yield from self.approve(s)
            yield from self.move(s, 1, Do.AWAIT_RETURN)
            yield from self.receive(s, 24 * 3)

        def repaired() -> Steps:  # dead on arrival, where a unit shipped weeks ago fails
            everyone = ["rheinwerk", "pacificcrest", "harbourline", "lumiere", "sakura", "marazul", "southerncross"]
            s = yield from self.scene(everyone, "doa", [DOA], 4.1)
            yield from self.approve(s, 1)
            yield from self.receive(s, 30)
            yield from self.move(s, 40, Do.REPAIR)

        def shipped_back() -> Steps:
            s = yield from self.scene(["pacificcrest"], "fans", [FACTORY], 14.2)
            yield from self.approve(s)
            yield from self.move(s, 1, Do.AWAIT_RETURN)
            yield from self.receive(s, 24 * 4)
            yield from self.move(s, 24 * 4, Do.REPAIR)
            yield from self.move(s, 20, Do.SHIP_BACK)

        def closed() -> Steps:
            s = yield from self.scene(["harbourline"], "reboots", [FACTORY], 33.3)
            yield from self.approve(s)
            yield from self.move(s, 1, Do.AWAIT_RETURN)
            yield from self.receive(s, 24 * 5)
            yield from self.move(s, 24 * 5, Do.REPAIR)
            yield from self.move(s, 4, Do.SHIP_BACK)
            yield from self.move(s, 24 * 3, Do.CLOSE)
            yield from self.close_case(s, 3)

        def quote_accepted() -> Steps:  # the priced unit is repaired at the customer's cost
            s = yield from self.scene(["lumiere"], "no-power", [ANY, QUOTE], 9.1)
            yield step(20, rma.answer_quote, s.contact, s.number, True)
            yield from self.approve(s, 2)
            yield from self.start_logistics(s, 1, 1)
            yield from self.start_logistics(s, 1, 2)

        def quote_declined() -> Steps:  # the priced unit leaves the request; the covered one is approved
            s = yield from self.scene(["sakura"], "ports", [ANY, QUOTE], 6.2)
            yield step(26, rma.answer_quote, s.contact, s.number, False)
            yield from self.approve(s, 3)

        return [
            approved(), awaiting_the_unit(), received(), repaired(), shipped_back(), closed(), quote_accepted(),
            quote_declined(),
        ]  # fmt: skip

    def _box_without_a_number(self) -> Steps:
        """A box labelled only with the customer's own ticket number, holding a unit on no open
        RMA line: rejected, return to sender (D-5.4)."""
        _customer, [unit] = yield at(self.ago(2.4), self._units, ["marazul", "harbourline"], [ANY])
        yield step(0, rma.receive_parcel, self.depot, "MA-TKT-20931", unit.serial)

    # --- mis-shipment claims (D-5.7) -------------------------------------------------------------

    def _order(self, customer: _Customer, order: str, shipped: date, partner: Organisation | None = None) -> None:
        """A sales order of three lines, one unit each, registered as it ships."""
        admin = self.b.staff["admin"]
        switch = Product.objects.get(sku="KS220-48P")
        for line in (1, 2, 3):
            installbase.register_asset(
                installbase.NewAsset(
                    serial=f"KS22{order[-3:]}{line:04d}",
                    product=switch,
                    owner=customer.org,
                    site=customer.sites[0],
                    ship_date=shipped,
                    sales_order=order,
                    order_line=line,
                    channel=PurchaseChannel.PARTNER if partner else PurchaseChannel.DIRECT,
                    partner=partner,
                ),
                actor=admin,
            )

    def _shipped(self, customer: _Customer, order: str, shipped: date, partner: Organisation | None = None) -> _Step:
        return at(datetime.combine(shipped, time(16), tzinfo=UTC), self._order, customer, order, shipped, partner)

    def _claim(self, user: User, order: str, kind: str, lines: list[int]) -> MisShipmentClaim:
        story = _claim_story(kind)
        ctx = {"order": order, "product": "KS-220 access switch"}
        return claims.claim_mis_shipment(
            user,
            claims.NewClaim(
                sales_order=order,
                kind=kind,
                order_lines=lines,
                priority="P3",
                follow_up_method="email",
                callback_phone=self._phone(user),
                summary=story.summary.format(**ctx),
                description=story.description.format(**ctx),
            ),
        )

    def _refused(self, user: User, order: str, kind: str, lines: list[int]) -> None:
        """A claim the portal refuses (D-5.7): it says why and keeps nothing."""
        try:
            self._claim(user, order, kind, lines)
        except ValidationFailed as refusal:
            self.result.refused_claims.append(f"{user.email}, {order}: {' '.join(refusal.fields.values())}")
            return
        raise RuntimeError(f"the demo's mis-shipment claim on {order} should have been refused")

    def _claims(self) -> list[Steps]:
        today = local_date(self.b.real_now)
        harbourline, rheinwerk, lumiere = (self.b.customers[k] for k in ("harbourline", "rheinwerk", "lumiere"))

        def part_shipped() -> Steps:  # accepted; the correct unit shipped with a tracking number; closed
            yield self._shipped(harbourline, CLAIM_ACCEPTED_ORDER, today - timedelta(days=24))
            customer = harbourline.users[0]
            claim = yield at(
                self.ago(18.3), self._claim, customer, CLAIM_ACCEPTED_ORDER, MisShipmentKind.LINE_ITEMS, [3]
            )
            case_id = claim.case.case_id
            story = _claim_story(MisShipmentKind.LINE_ITEMS)
            yield step(1, cases.assign, self.agent, case_id)
            yield step(0.2, cases.reply, self.agent, case_id, story.question)
            yield step(3, cases.reply, customer, case_id, story.answer)
            yield step(1, cases.add_note, self.agent, case_id, story.note.format(order=CLAIM_ACCEPTED_ORDER))
            carrier, tracking = "DPD UK", "15501234567890"
            yield step(20, claims.record_part_shipped, self.agent, case_id, carrier, tracking)
            shipped = stories.CLAIM_PART_SHIPPED.format(carrier=carrier, tracking=tracking)
            yield step(0.1, cases.reply, self.agent, case_id, shipped)
            yield step(48, cases.propose_resolution, self.agent, case_id, story.resolution)
            yield step(6, cases.accept_resolution, customer, case_id)

        def on_day_90() -> Steps:  # accepted on the last day of the claim period, still open
            moment = self.ago(1.1)
            yield self._shipped(rheinwerk, CLAIM_DAY_90_ORDER, local_date(moment) - timedelta(days=90))
            claim = yield at(
                moment, self._claim, rheinwerk.users[1], CLAIM_DAY_90_ORDER, MisShipmentKind.COMPONENTS, [1]
            )
            yield step(2, cases.assign, self.agent, claim.case.case_id)

        def too_late() -> Steps:  # refused: shipped 120 days ago
            yield self._shipped(lumiere, CLAIM_TOO_LATE_ORDER, today - timedelta(days=120))
            yield at(
                self.ago(2.2), self._refused, lumiere.users[0], CLAIM_TOO_LATE_ORDER, MisShipmentKind.DOCUMENTATION, [2]
            )

        def through_the_partner() -> Steps:  # refused to the end customer; the partner claims it
            brightpath = Organisation.objects.get(name__startswith="Brightpath")
            yield self._shipped(rheinwerk, CLAIM_PARTNER_ORDER, today - timedelta(days=30), brightpath)
            kind = MisShipmentKind.DOCUMENTATION
            yield at(self.ago(3.3), self._refused, rheinwerk.users[0], CLAIM_PARTNER_ORDER, kind, [1, 2])
            claim = yield step(5, self._claim, rheinwerk.partner_users[0], CLAIM_PARTNER_ORDER, kind, [1, 2])
            yield step(3, cases.assign, self.agent, claim.case.case_id)

        return [part_shipped(), on_day_90(), too_late(), through_the_partner()]


def _claim_story(kind: str) -> stories.Story:
    """The mis-shipment story of the claim's kind: its case is filed under that sub-type."""
    return next(s for s in stories.STORIES if s.subtype == SUBTYPE_OF_KIND[kind])

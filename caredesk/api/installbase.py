"""Installed base, entitlement and sales-order imports (D-2.x) in the API. Thin: every
answer comes from ``installbase``/``entitlements`` queries and services."""

from __future__ import annotations

from typing import IO, Any, cast

from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import File, Path, Query, Router
from ninja.files import UploadedFile
from pydantic import Field

from caredesk.accounts.models import User
from caredesk.accounts.queries import visible_organisations
from caredesk.api.cases import case_row
from caredesk.api.idempotency import idempotent
from caredesk.api.schemas import (
    ActivationIn,
    AssetOut,
    AssetPageOut,
    CaseRow,
    ContractOut,
    DepotIn,
    DepotOut,
    ECertificateIn,
    ECertificateOut,
    EntitlementOut,
    ErrorOut,
    OfferOut,
    OrderImportOut,
    QueryIn,
    ReinstatementIn,
    ReinstatementOut,
    ReinstatementStepIn,
    TransferDecisionIn,
    TransferIn,
    TransferOut,
)
from caredesk.cases import queries as case_queries
from caredesk.cases import services as case_services
from caredesk.core.errors import ValidationFailed
from caredesk.entitlements import queries as entitlements
from caredesk.entitlements import services as entitlement_services
from caredesk.entitlements.models import Contract, Depot, ECertificate, ServiceLevel, ServiceLevelOffer
from caredesk.installbase import queries as installbase
from caredesk.installbase import services as ib_services
from caredesk.installbase.models import Asset, OrderImport, OwnershipTransfer, Reinstatement

router = Router(tags=["installed base"])
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def asset_out(asset: Asset) -> dict[str, Any]:
    product = asset.product
    site = asset.site
    return {
        "serial": asset.serial,
        "product": {
            "sku": product.sku,
            "name": product.name,
            "series": product.series,
            "platform": product.platform,
            "eol_announced_on": product.eol_announced_on,
            "end_of_sale_on": product.end_of_sale_on,
            "end_of_support_on": product.end_of_support_on,
        },
        "owner": {"id": asset.owner.pk, "name": asset.owner.name, "kind": asset.owner.kind},
        "site": {"code": site.code, "name": site.name} if site else None,
        "ship_date": asset.ship_date,
        "sales_order": asset.sales_order,
        "order_line": asset.order_line,
        "channel": asset.channel,
        "standing": asset.standing,
        "eol_announced": product.eol_announced(installbase.today()),
        "best_effort": asset.best_effort,
    }


def _level(level: ServiceLevel) -> dict[str, Any]:
    return {
        "code": level.code,
        "name": level.label(),
        "hw_replacement": level.hw_replacement,
        "includes_24x7": level.includes_24x7,
        "par": level.par,
    }


def _coverage(c: entitlements.Coverage) -> dict[str, Any]:
    return {
        "contract_id": c.contract_id,
        "ssrn": c.ssrn,
        "service_level": _level(c.service_level),
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "active": c.active,
    }


class AssetQuery(QueryIn):
    q: str = Field("", max_length=64, description="Start of a serial number, or a sales order")
    organisation_id: int | None = Field(None, ge=1, le=2**62)
    eol: bool = Field(False, description="Only units whose product's end of life is announced")
    nearing_end_of_support: bool = Field(False, description="Only units whose support ends within the notice period")
    sort: str = Field("serial", max_length=20, description="serial, ship_date or created; '-' for descending")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(25, ge=1, le=100)


@router.get("/assets", response={200: AssetPageOut, 422: ErrorOut}, summary="The units you can see")
def list_assets(request: HttpRequest, filters: Query[AssetQuery]) -> dict[str, Any]:
    page = installbase.list_assets(
        _user(request),
        query=filters.q,
        organisation_id=filters.organisation_id,
        eol_only=filters.eol,
        nearing_end_of_support_only=filters.nearing_end_of_support,
        sort=filters.sort,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": [asset_out(a) for a in page.items], "next_cursor": page.next_cursor}


@router.get("/assets/{serial}", response={200: AssetOut, 404: ErrorOut}, summary="One unit by serial number")
def get_asset(request: HttpRequest, serial: str = Path(..., max_length=64)) -> dict[str, Any]:
    return asset_out(installbase.get_asset(_user(request), serial))


@router.get(
    "/assets/{serial}/cases",
    response={200: list[CaseRow], 404: ErrorOut},
    summary="The cases you can see that name the unit, newest first (at most 50)",
)
def asset_cases(request: HttpRequest, serial: str = Path(..., max_length=64)) -> list[dict[str, Any]]:
    user = _user(request)
    asset = installbase.get_asset(user, serial)  # a unit out of sight is not found
    return [case_row(c) for c in case_queries.cases_naming_unit(user, asset.serial)]


class EntitlementQuery(QueryIn):
    q: str = Field(..., max_length=64, description="Serial number, SSRN or contract id")
    kind: str = Field("", max_length=10, description="serial, ssrn or contract; empty tries them in that order")


@router.get(
    "/entitlements",
    response={200: EntitlementOut, 404: ErrorOut, 422: ErrorOut},
    summary="What a serial number, SSRN or contract is entitled to",
)
def entitlement(request: HttpRequest, params: Query[EntitlementQuery]) -> dict[str, Any]:
    answer = entitlements.entitlement(_user(request), params.q, kind=params.kind)
    return {
        "query": answer.query,
        "found_by": answer.found_by,
        "technical_cases": answer.technical_cases,
        "contract": _coverage(answer.contract) if answer.contract else None,
        "assets": [
            {
                "asset": asset_out(item.asset),
                "contracts": [_coverage(c) for c in item.contracts],
                "warranty": vars(item.warranty),
                "eol_announced": item.eol_announced,
                "includes_24x7": item.includes_24x7,
                "technical_cases": item.technical_cases,
                "hardware_replacement": item.hardware_replacement,
                "best_effort": item.best_effort,
                "reasons": item.reasons,
                "options": item.options,
            }
            for item in answer.assets
        ],
    }


def _contract_out(contract: Contract) -> dict[str, Any]:
    org = contract.organisation
    return {
        "contract_id": contract.contract_id,
        "ssrn": contract.ssrn or "",
        "organisation": {"id": org.pk, "name": org.name, "kind": org.kind},
        "service_level": _level(contract.service_level),
        "starts_on": contract.starts_on,
        "ends_on": contract.ends_on,
        "active": contract.active_on(installbase.today()),
    }


def _ecertificate_out(certificate: ECertificate) -> dict[str, Any]:
    org = certificate.organisation
    return {
        "code": certificate.code,
        "organisation": {"id": org.pk, "name": org.name, "kind": org.kind},
        "service_level": _level(certificate.service_level),
        "sales_region": certificate.sales_region.code,
        "term_months": certificate.term_months,
        "received_on": certificate.received_on,
        "status": certificate.status,
        "activated_on": certificate.activated_on,
        "serial": certificate.asset.serial if certificate.asset_id and certificate.asset else None,
        "contract_id": certificate.contract.contract_id if certificate.contract_id and certificate.contract else None,
    }


@router.post(
    "/ecertificates",
    response={201: ECertificateOut, **ERRORS},
    summary="Staff: issue a support e-certificate to a customer",
)
@idempotent
def issue_ecertificate(request: HttpRequest, payload: ECertificateIn) -> tuple[int, dict[str, Any]]:
    certificate = entitlement_services.issue_ecertificate(
        _user(request), entitlement_services.NewECertificate(**payload.dict())
    )
    return 201, _ecertificate_out(entitlements.get_ecertificate(_user(request), certificate.code))


@router.get(
    "/ecertificates/{code}",
    response={200: ECertificateOut, 404: ErrorOut},
    summary="One support e-certificate you can see",
)
def get_ecertificate(request: HttpRequest, code: str = Path(..., max_length=32)) -> dict[str, Any]:
    return _ecertificate_out(entitlements.get_ecertificate(_user(request), code))


@router.post(
    "/ecertificates/{code}/activation",
    response={201: ContractOut, **ERRORS},
    summary="Activate a support e-certificate for a unit",
)
@idempotent
def activate(
    request: HttpRequest, payload: ActivationIn, code: str = Path(..., max_length=32)
) -> tuple[int, dict[str, Any]]:
    return 201, _contract_out(entitlement_services.activate_ecertificate(_user(request), code, payload.serial))


# --- depot coverage (D-2.8) ------------------------------------------------------------------


def _depot_out(depot: Depot) -> dict[str, Any]:
    return {
        "id": depot.pk,
        "name": depot.name,
        "areas": [
            {"country": a.country, "subdivision": a.subdivision, "postal_prefix": a.postal_prefix}
            for a in sorted(depot.areas.all(), key=lambda a: (a.country, a.subdivision, a.postal_prefix))
        ],
        "replacements": list(depot.replacements),
    }


def _depot_data(payload: DepotIn) -> entitlement_services.DepotData:
    return entitlement_services.DepotData(
        name=payload.name,
        areas=[entitlement_services.Area(a.country, a.subdivision, a.postal_prefix) for a in payload.areas],
        replacements=list(payload.replacements),
    )


@router.get("/depots", response={200: list[DepotOut], 403: ErrorOut}, summary="Staff: the depots and where they serve")
def list_depots(request: HttpRequest) -> list[dict[str, Any]]:
    return [_depot_out(d) for d in entitlements.depots(_user(request))]


@router.post("/depots", response={201: DepotOut, **ERRORS}, summary="Add a depot with the areas it serves")
@idempotent
def create_depot(request: HttpRequest, payload: DepotIn) -> tuple[int, dict[str, Any]]:
    depot = entitlement_services.create_depot(_user(request), _depot_data(payload))
    return 201, _depot_out(entitlements.get_depot(_user(request), depot.pk))


@router.get("/depots/{depot_id}", response={200: DepotOut, 403: ErrorOut, 404: ErrorOut})
def get_depot(request: HttpRequest, depot_id: int = Path(..., ge=1, le=2**62)) -> dict[str, Any]:
    return _depot_out(entitlements.get_depot(_user(request), depot_id))


@router.put("/depots/{depot_id}", response={200: DepotOut, **ERRORS}, summary="Replace a depot's areas and speeds")
def change_depot(request: HttpRequest, payload: DepotIn, depot_id: int = Path(..., ge=1, le=2**62)) -> dict[str, Any]:
    entitlement_services.change_depot(_user(request), depot_id, _depot_data(payload))
    return _depot_out(entitlements.get_depot(_user(request), depot_id))


@router.delete("/depots/{depot_id}", response={204: None, **ERRORS}, summary="Remove a depot")
def remove_depot(request: HttpRequest, depot_id: int = Path(..., ge=1, le=2**62)) -> tuple[int, None]:
    entitlement_services.remove_depot(_user(request), depot_id)
    return 204, None


# --- sales-order imports (D-2.3) -------------------------------------------------------------


def _import_out(order_import: OrderImport) -> dict[str, Any]:
    return {
        "id": order_import.pk,
        "source": order_import.source,
        "status": order_import.status,
        "started_at": order_import.started_at,
        "finished_at": order_import.finished_at,
        "rows": order_import.rows,
        "created": order_import.created,
        "changed": order_import.changed,
        "unchanged": order_import.unchanged,
        "rejected": order_import.rejected,
        "report_url": f"/api/v1/order-imports/{order_import.pk}/rejections" if order_import.rejected else None,
    }


@router.post(
    "/order-imports",
    response={201: OrderImportOut, **ERRORS},
    summary="Import sales-order lines from a CSV file (multipart field 'file')",
)
@idempotent
def import_orders(request: HttpRequest, file: File[UploadedFile]) -> tuple[int, dict[str, Any]]:
    if file.size is not None and file.size > settings.ORDER_IMPORT_MAX_BYTES:
        raise ValidationFailed(
            _("The file is too large."),
            fields={"file": _("At most %(mb)s MB.") % {"mb": settings.ORDER_IMPORT_MAX_BYTES // 2**20}},
        )
    result = ib_services.import_orders(cast(IO[bytes], file), source=(file.name or "upload.csv"), actor=_user(request))
    return 201, _import_out(result.order_import)


@router.get("/order-imports/{import_id}", response={200: OrderImportOut, 404: ErrorOut})
def get_import(request: HttpRequest, import_id: int = Path(..., ge=1, le=2**62)) -> dict[str, Any]:
    return _import_out(installbase.get_order_import(_user(request), import_id))


@router.get(
    "/order-imports/{import_id}/rejections",
    response={200: None, 404: ErrorOut},
    summary="The refused rows and their reasons, as CSV",
)
def rejections(request: HttpRequest, import_id: int = Path(..., ge=1, le=2**62)) -> StreamingHttpResponse:
    order_import = installbase.get_order_import(_user(request), import_id)
    response = StreamingHttpResponse(ib_services.rejection_report(order_import), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="order-import-{order_import.pk}-rejected.csv"'
    return response


# --- installed-base updates, transfers and reinstatement (D-2.8, D-2.9) --------------------------


def _offer_out(offer: ServiceLevelOffer) -> dict[str, Any]:
    return {
        "id": offer.pk,
        "contract_id": offer.contract.contract_id,
        "serial": offer.asset.serial,
        "from_level": _level(offer.from_level),
        "offered_level": _level(offer.offered_level),
        "status": offer.status,
    }


@router.post(
    "/cases/{case_id}/installed-base-update",
    response={200: list[OfferOut], **ERRORS},
    summary="Staff: apply the move an Installed Base Update case asks for",
)
def apply_update(request: HttpRequest, case_id: str = Path(..., max_length=40)) -> list[dict[str, Any]]:
    return [_offer_out(o) for o in case_services.apply_installed_base_update(_user(request), case_id)]


@router.get(
    "/cases/{case_id}/service-level-offers",
    response={200: list[OfferOut], 404: ErrorOut},
    summary="Service levels offered after the case's move",
)
def offers(request: HttpRequest, case_id: str = Path(..., max_length=40)) -> list[dict[str, Any]]:
    case = case_queries.get_case(_user(request), case_id)
    return [_offer_out(o) for o in entitlements.offers_of_case(case.case_id)]


@router.post(
    "/cases/{case_id}/service-level-offers/{offer_id}/accept",
    response={200: OfferOut, **ERRORS},
    summary="The customer accepts an offered service level",
)
def accept(
    request: HttpRequest, case_id: str = Path(..., max_length=40), offer_id: int = Path(..., ge=1, le=2**62)
) -> dict[str, Any]:
    return _offer_out(case_services.accept_service_level_offer(_user(request), case_id, offer_id))


def _transfer_out(user: User, t: OwnershipTransfer) -> dict[str, Any]:
    # The new owner's name only for those who may see that organisation (D-1.3): a customer
    # who types an account number must not learn whose it is.
    sees_new_owner = visible_organisations(user).filter(pk=t.to_owner_id).exists()
    return {
        "id": t.pk,
        "serial": t.asset.serial,
        "from_owner": {"id": t.from_owner.pk, "name": t.from_owner.name, "kind": t.from_owner.kind},
        "to_owner": {"id": t.to_owner.pk, "name": t.to_owner.name, "kind": t.to_owner.kind} if sees_new_owner else None,
        "status": t.status,
        "note": t.note,
    }


@router.post("/assets/{serial}/transfers", response={201: TransferOut, **ERRORS}, summary="Ask to transfer a unit")
@idempotent
def request_transfer(
    request: HttpRequest, payload: TransferIn, serial: str = Path(..., max_length=64)
) -> tuple[int, dict[str, Any]]:
    transfer = ib_services.request_transfer(
        _user(request), serial, payload.new_owner_account, reference=payload.reference
    )
    return 201, _transfer_out(_user(request), transfer)


@router.post(
    "/transfers/{transfer_id}/decision", response={200: TransferOut, **ERRORS}, summary="Staff: decide a transfer"
)
def decide_transfer(
    request: HttpRequest, payload: TransferDecisionIn, transfer_id: int = Path(..., ge=1, le=2**62)
) -> dict[str, Any]:
    user = _user(request)
    return _transfer_out(
        user, ib_services.decide_transfer(user, transfer_id, approve=payload.approve, note=payload.note)
    )


def _reinstatement_out(r: Reinstatement) -> dict[str, Any]:
    return {
        "id": r.pk,
        "serial": r.asset.serial,
        "status": r.status,
        "fee": str(r.fee) if r.fee is not None else None,
        "currency": r.currency,
        "inspection_note": r.inspection_note,
        "note": r.note,
    }


@router.post(
    "/assets/{serial}/reinstatements",
    response={201: ReinstatementOut, **ERRORS},
    summary="Ask for inspection and reinstatement of a unit",
)
@idempotent
def request_reinstatement(
    request: HttpRequest, payload: ReinstatementIn, serial: str = Path(..., max_length=64)
) -> tuple[int, dict[str, Any]]:
    return 201, _reinstatement_out(
        ib_services.request_reinstatement(_user(request), serial, reference=payload.reference)
    )


@router.post(
    "/reinstatements/{reinstatement_id}/steps",
    response={200: ReinstatementOut, **ERRORS},
    summary="Staff: inspect, pass (with the fee), fail, record the fee paid, or refuse",
)
def reinstatement_step(
    request: HttpRequest, payload: ReinstatementStepIn, reinstatement_id: int = Path(..., ge=1, le=2**62)
) -> dict[str, Any]:
    item = ib_services.advance_reinstatement(
        _user(request), reinstatement_id, payload.step, note=payload.note, fee=payload.fee
    )
    return _reinstatement_out(item)

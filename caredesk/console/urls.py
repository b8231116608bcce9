from django.urls import path, re_path

from caredesk.console import casework, claims, installbase, outbox, returns, rma, views

app_name = "console"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/new/", casework.case_new, name="case_new"),
    path("cases/bulk/", casework.bulk, name="bulk"),
    path("cases/<str:case_id>/", views.case_detail, name="case"),
    path("cases/<str:case_id>/reply/", views.case_reply, name="case_reply"),
    path("cases/<str:case_id>/note/", views.case_note, name="case_note"),
    path("cases/<str:case_id>/translate/", views.case_translate, name="case_translate"),
    path("cases/<str:case_id>/reply/translate/", views.case_translate_draft, name="case_translate_draft"),
    path("cases/<str:case_id>/assign/", views.case_assign, name="case_assign"),
    path("cases/<str:case_id>/status/", views.case_status, name="case_status"),
    path("cases/<str:case_id>/priority/", views.case_priority, name="case_priority"),
    path("cases/<str:case_id>/resolution/", views.case_resolution, name="case_resolution"),
    path("cases/<str:case_id>/files/", views.case_attach, name="case_attach"),
    path("cases/<str:case_id>/installed-base-update/", views.case_apply_update, name="case_apply_update"),
    # Ids are bounded to 18 digits: a longer number cannot exist and would overflow the database.
    re_path(
        r"^cases/(?P<case_id>[^/]+)/files/(?P<attachment_id>[0-9]{1,18})/$",
        views.attachment_download,
        name="attachment",
    ),
    path("cases/<str:case_id>/part-shipped/", claims.case_part_shipped, name="case_part_shipped"),
    path("cases/<str:case_id>/escalate/", views.case_escalate, name="case_escalate"),
    path("cases/<str:case_id>/close/", casework.case_close, name="case_close"),
    path("cases/<str:case_id>/reopen/", casework.case_reopen, name="case_reopen"),
    path("cases/<str:case_id>/macro/", casework.case_macro, name="case_macro"),
    path("cases/<str:case_id>/rma/", rma.case_rma, name="case_rma"),
    # RMA requests (D-5.1), named by validation number, RMA number or line number R…-n.
    path("rmas/", rma.rmas, name="rmas"),
    path("rmas/<str:number>/", rma.rma, name="rma"),
    path("rmas/<str:number>/approve/", rma.rma_approve, name="rma_approve"),
    path("rmas/<str:number>/reject/", rma.rma_reject, name="rma_reject"),
    path("rmas/<str:number>/engineer-questions/", rma.rma_ask_tse, name="rma_ask_tse"),
    path("rmas/<str:number>/engineer-answers/", rma.rma_tse_answer, name="rma_tse_answer"),
    path("rmas/<str:number>/answers/", rma.rma_answer, name="rma_answer"),
    re_path(r"^rmas/(?P<number>[^/]+)/lines/(?P<position>[0-9]{1,4})/$", rma.rma_line, name="rma_line"),
    # Support logistics move an approved line on (D-5.4), named by its line number R…-n.
    path("rma-lines/<str:line_number>/moves/", rma.rma_line_move, name="rma_line_move"),
    path("macros/", casework.macros, name="macros"),
    re_path(r"^macros/(?P<macro_id>[0-9]{1,18})/$", casework.macro_edit, name="macro"),
    path("views/", casework.view_save, name="view_save"),
    re_path(r"^views/(?P<view_id>[0-9]{1,18})/delete/$", casework.view_delete, name="view_delete"),
    path("escalations/", views.escalations, name="escalations"),
    path("on-call/", views.on_call, name="on_call"),
    path("dashboard/", views.dashboard, name="dashboard"),
    re_path(
        r"^escalations/(?P<escalation_id>[0-9]{1,18})/handled/$", views.escalation_handled, name="escalation_handled"
    ),
    path("registrations/", views.registrations, name="registrations"),
    path("outbox/", outbox.outbox, name="outbox"),
    path("depot/", returns.depot, name="depot"),
    path("rma-charges/", returns.charges, name="charges"),
    re_path(r"^rma-charges/(?P<charge_id>[0-9]{1,18})/waive/$", returns.charge_waive, name="charge_waive"),
    path("assets/", installbase.assets, name="assets"),
    path("assets/<str:serial>/", installbase.asset, name="asset"),
    path("entitlement/", installbase.entitlement_check, name="entitlement"),
    path("order-imports/", installbase.order_imports, name="order_imports"),
    path("transfers-and-reinstatements/", installbase.requests, name="requests"),
    re_path(
        r"^order-imports/(?P<import_id>[0-9]{1,18})/rejections/$",
        installbase.order_import_report,
        name="order_import_report",
    ),
    re_path(
        r"^registrations/(?P<registration_id>[0-9]{1,18})/decision/$",
        views.registration_decide,
        name="registration_decide",
    ),
]

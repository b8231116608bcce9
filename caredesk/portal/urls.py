from django.urls import path, re_path

from caredesk.portal.views import (
    accounts,
    cases,
    claims,
    installbase,
    members,
    notices,
    profile,
    registration,
    rma,
    tokens,
)
from caredesk.web.locale import switch_language

app_name = "portal"

# The paths of /login/, /reset/…/, /register/verify/…/, /members/ and /members/remove/…/
# appear in e-mails already sent:
# they must not change. /password/change/ and /logout/ are what the expired-password
# middleware lets through (D-1.5).
urlpatterns = [
    path("", cases.home, name="home"),
    path("login/", accounts.login_page, name="login"),
    path("login/link/<str:uidb64>/<str:token>/", accounts.sign_in_link, name="sign_in_link"),
    path("logout/", accounts.logout_page, name="logout"),
    path("password/change/", accounts.password_change, name="password_change"),
    path("password/reset/", accounts.password_reset, name="password_reset"),
    path("reset/<str:uidb64>/<str:token>/", accounts.password_reset_confirm, name="password_reset_confirm"),
    path("terms/", accounts.terms, name="terms"),
    path("register/", registration.start, name="register"),
    path("register/verify/<str:secret>/", registration.verify, name="register_verify"),
    path("register/organisation/", registration.organisation, name="register_organisation"),
    path("register/password/", registration.password, name="register_password"),
    path("register/done/", registration.done, name="register_done"),
    path("cases/new/", cases.case_new, name="case_new"),
    path("claims/new/", claims.claim_new, name="claim_new"),
    path("cases/new/fields/", cases.case_type_fields, name="case_type_fields"),
    path("cases/new/product/", cases.case_product, name="case_product"),
    path("cases/<str:case_id>/", cases.case_detail, name="case"),
    path("cases/<str:case_id>/reply/", cases.case_reply, name="case_reply"),
    path("cases/<str:case_id>/resolution/accept/", cases.case_accept, name="case_accept"),
    path("cases/<str:case_id>/resolution/reject/", cases.case_reject, name="case_reject"),
    path("cases/<str:case_id>/files/", cases.case_attach, name="case_attach"),
    path("cases/<str:case_id>/escalate/", cases.case_escalate, name="case_escalate"),
    path("cases/<str:case_id>/reopen/", cases.case_reopen, name="case_reopen"),
    re_path(
        r"^cases/(?P<case_id>[^/]+)/offers/(?P<offer_id>[0-9]{1,18})/accept/$",
        cases.case_offer_accept,
        name="case_offer_accept",
    ),
    # Ids are bounded to 18 digits: a longer number cannot exist and would overflow the database.
    re_path(
        r"^cases/(?P<case_id>[^/]+)/files/(?P<attachment_id>[0-9]{1,18})/$",
        cases.attachment_download,
        name="attachment",
    ),
    re_path(r"^contacts/(?P<contact_id>[0-9]{1,18})/$", accounts.contact, name="contact"),
    path("assets/", installbase.assets, name="assets"),
    path("assets/<str:serial>/", installbase.asset, name="asset"),
    path("assets/<str:serial>/reinstatement/", installbase.asset_reinstatement, name="asset_reinstatement"),
    path("assets/<str:serial>/transfer/", installbase.asset_transfer, name="asset_transfer"),
    path("entitlement/", installbase.entitlement_check, name="entitlement"),
    path("ecertificates/activate/", installbase.ecertificate, name="ecertificate"),
    # RMA requests (D-5.1), named by validation number, RMA number or line number R…-n.
    path("rmas/", rma.rmas, name="rmas"),
    path("rmas/<str:number>/", rma.rma_detail, name="rma"),
    path("rmas/<str:number>/questions/", rma.rma_question, name="rma_question"),
    path("rmas/<str:number>/cancel/", rma.rma_cancel, name="rma_cancel"),
    path("rmas/<str:number>/quote/", rma.rma_quote, name="rma_quote"),
    path("rmas/<str:number>/label/", rma.rma_label, name="rma_label"),
    path("tokens/", tokens.tokens, name="tokens"),
    path("notices/", notices.notices, name="notices"),
    path("profile/", profile.profile, name="profile"),
    path("language/", switch_language, name="language"),  # the switcher at the foot of every page
    re_path(r"^tokens/(?P<token_id>[0-9]{1,18})/revoke/$", tokens.token_revoke, name="token_revoke"),
    # An organisation's administrator keeps its people (D-1.4, D-1.2).
    path("members/", members.members, name="members"),
    path("members/approval/", members.member_approval, name="member_approval"),
    re_path(r"^members/(?P<member_id>[0-9]{1,18})/remove/$", members.member_remove, name="member_remove"),
    path("members/remove/<str:token>/", members.member_remove_by_link, name="member_remove_by_link"),
    re_path(
        r"^members/requests/(?P<registration_id>[0-9]{1,18})/decision/$",
        members.membership_decide,
        name="membership_decide",
    ),
    re_path(
        r"^members/associates/(?P<user_id>[0-9]{1,18})/remove/$", members.associate_remove, name="associate_remove"
    ),
]

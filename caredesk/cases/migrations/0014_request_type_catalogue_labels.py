"""The request-type catalogue of 0002 in German, French, Spanish and Japanese (D-7.5):
the names of its request types and sub-types and the labels of its template fields.

Written out here, like 0002, so the migration keeps doing what it did when it was written.
An entry is filled only where an administrator has not changed it since: its English
name (or label) is still the catalogue's and it has no labels in other languages yet.
"""

import re

from django.db import migrations

TYPES = {
    "account-registration": ("Account Registration", {
        "de": "Kontoregistrierung", "fr": "Inscription de compte", "es": "Registro de cuenta", "ja": "アカウント登録"}),
    "login-assistance": ("Login Assistance", {
        "de": "Hilfe bei der Anmeldung", "fr": "Aide à la connexion", "es": "Ayuda para iniciar sesión",
        "ja": "ログインのサポート"}),
    "product-registration": ("Product Registration", {
        "de": "Produktregistrierung", "fr": "Enregistrement de produit", "es": "Registro de producto",
        "ja": "製品登録"}),
    "installed-base-update": ("Installed Base Update", {
        "de": "Aktualisierung der installierten Basis", "fr": "Mise à jour du parc installé",
        "es": "Actualización de la base instalada", "ja": "導入製品の更新"}),
    "software-download": ("Entitlement to Download Software", {
        "de": "Berechtigung zum Software-Download", "fr": "Droit de téléchargement de logiciels",
        "es": "Derecho a descargar software", "ja": "ソフトウェアのダウンロード資格"}),
    "license-keys": ("License Key Management", {
        "de": "Verwaltung von Lizenzschlüsseln", "fr": "Gestion des clés de licence",
        "es": "Gestión de claves de licencia", "ja": "ライセンスキーの管理"}),
    "warranties-contracts": ("Warranties & Contracts", {
        "de": "Garantien und Verträge", "fr": "Garanties et contrats", "es": "Garantías y contratos",
        "ja": "保証と契約"}),
    "mis-shipment": ("Mis-shipment", {
        "de": "Falschlieferung", "fr": "Erreur de livraison", "es": "Envío erróneo", "ja": "誤配送"}),
    "grey-market": ("Grey Market / Reinstatement", {
        "de": "Graumarkt / Wiederaufnahme", "fr": "Marché gris / Rétablissement",
        "es": "Mercado gris / Restablecimiento", "ja": "グレーマーケット／復帰"}),
    "ownership-transfer": ("Ownership Transfer", {
        "de": "Eigentumsübertragung", "fr": "Transfert de propriété", "es": "Transferencia de propiedad",
        "ja": "所有権の譲渡"}),
    "rma-assistance": ("RMA Assistance", {
        "de": "Hilfe bei RMA", "fr": "Assistance RMA", "es": "Asistencia con RMA", "ja": "RMA のサポート"}),
    "general-inquiry": ("General Inquiry", {
        "de": "Allgemeine Anfrage", "fr": "Demande générale", "es": "Consulta general",
        "ja": "一般的なお問い合わせ"}),
}  # fmt: skip

SUBTYPES = {  # by English name, as 0002 loads them under each request type
    "New account": {"de": "Neues Konto", "fr": "Nouveau compte", "es": "Cuenta nueva", "ja": "新規アカウント"},
    "Add user to account": {
        "de": "Benutzer zum Konto hinzufügen", "fr": "Ajouter un utilisateur au compte",
        "es": "Añadir un usuario a la cuenta", "ja": "アカウントへのユーザー追加"},
    "Change account details": {
        "de": "Kontodaten ändern", "fr": "Modifier les informations du compte",
        "es": "Cambiar los datos de la cuenta", "ja": "アカウント情報の変更"},
    "Password reset": {
        "de": "Passwort zurücksetzen", "fr": "Réinitialisation du mot de passe",
        "es": "Restablecimiento de la contraseña", "ja": "パスワードのリセット"},
    "Locked account": {"de": "Gesperrtes Konto", "fr": "Compte verrouillé", "es": "Cuenta bloqueada",
                       "ja": "アカウントのロック"},
    "Cannot receive e-mail": {
        "de": "E-Mails kommen nicht an", "fr": "Impossible de recevoir les e-mails",
        "es": "No se reciben los correos electrónicos", "ja": "メールを受信できない"},
    "Register product": {"de": "Produkt registrieren", "fr": "Enregistrer un produit", "es": "Registrar un producto",
                         "ja": "製品の登録"},
    "Correct registration": {
        "de": "Registrierung korrigieren", "fr": "Corriger un enregistrement", "es": "Corregir un registro",
        "ja": "登録内容の修正"},
    "Add": {"de": "Neuaufnahme", "fr": "Ajout", "es": "Alta", "ja": "追加"},
    "Change": {"de": "Änderung", "fr": "Modification", "es": "Cambio", "ja": "変更"},
    "Move": {"de": "Umzug", "fr": "Déplacement", "es": "Traslado", "ja": "移動"},
    "Download access": {"de": "Download-Zugang", "fr": "Accès au téléchargement", "es": "Acceso a la descarga",
                        "ja": "ダウンロードへのアクセス"},
    "Image not available": {"de": "Image nicht verfügbar", "fr": "Image non disponible", "es": "Imagen no disponible",
                            "ja": "イメージを入手できない"},
    "Activation code": {"de": "Aktivierungscode", "fr": "Code d'activation", "es": "Código de activación",
                        "ja": "アクティベーションコード"},
    "Key not working": {"de": "Schlüssel funktioniert nicht", "fr": "La clé ne fonctionne pas",
                        "es": "La clave no funciona", "ja": "キーが機能しない"},
    "Transfer to RMA unit": {
        "de": "Übertragung auf ein RMA-Gerät", "fr": "Transfert vers un appareil RMA",
        "es": "Transferencia a un equipo RMA", "ja": "RMA 機器への移行"},
    "Warranty status": {"de": "Garantiestatus", "fr": "État de la garantie", "es": "Estado de la garantía",
                        "ja": "保証の状況"},
    "Contract status": {"de": "Vertragsstatus", "fr": "État du contrat", "es": "Estado del contrato",
                        "ja": "契約の状況"},
    "Renewal": {"de": "Verlängerung", "fr": "Renouvellement", "es": "Renovación", "ja": "更新"},
    "Missing or incorrect sales-order line items": {
        "de": "Fehlende oder falsche Auftragspositionen", "fr": "Lignes de commande manquantes ou erronées",
        "es": "Líneas del pedido que faltan o son incorrectas", "ja": "注文明細の不足または誤り"},
    "Missing or incorrect component parts or subassemblies": {
        "de": "Fehlende oder falsche Bauteile oder Baugruppen", "fr": "Composants ou sous-ensembles manquants ou erronés",
        "es": "Componentes o subconjuntos que faltan o son incorrectos", "ja": "部品またはサブアセンブリの不足または誤り"},
    "Missing or incorrect documentation": {
        "de": "Fehlende oder falsche Dokumentation", "fr": "Documentation manquante ou erronée",
        "es": "Documentación que falta o es incorrecta", "ja": "ドキュメントの不足または誤り"},
    "Inspection and reinstatement": {
        "de": "Prüfung und Wiederaufnahme", "fr": "Inspection et rétablissement", "es": "Inspección y restablecimiento",
        "ja": "点検と復帰"},
    "Policy question": {"de": "Frage zu den Richtlinien", "fr": "Question sur les règles",
                        "es": "Consulta sobre la política", "ja": "ポリシーに関する質問"},
    "Transfer to new owner": {
        "de": "Übertragung an einen neuen Eigentümer", "fr": "Transfert à un nouveau propriétaire",
        "es": "Transferencia a un nuevo propietario", "ja": "新しい所有者への譲渡"},
    "RMA status": {"de": "RMA-Status", "fr": "État du RMA", "es": "Estado de la RMA", "ja": "RMA の状況"},
    "Return instructions": {"de": "Rücksendeanweisungen", "fr": "Instructions de retour",
                            "es": "Instrucciones de devolución", "ja": "返送の手順"},
    "Return label": {"de": "Rücksendeetikett", "fr": "Étiquette de retour", "es": "Etiqueta de devolución",
                     "ja": "返送ラベル"},
    "Policies and procedures": {"de": "Richtlinien und Abläufe", "fr": "Règles et procédures",
                                "es": "Políticas y procedimientos", "ja": "ポリシーと手続き"},
    "Other": {"de": "Sonstiges", "fr": "Autre", "es": "Otro", "ja": "その他"},
}  # fmt: skip

FIELD_LABELS = {  # the template fields' labels, by English label
    "Serial numbers": {"de": "Seriennummern", "fr": "Numéros de série", "es": "Números de serie", "ja": "シリアル番号"},
    "Sales order": {"de": "Kundenauftrag", "fr": "Commande client", "es": "Pedido de venta", "ja": "受注番号"},
    "New site id": {"de": "Neue Standort-ID", "fr": "Nouvel identifiant de site", "es": "Nuevo ID de sede",
                    "ja": "新しいサイト ID"},
    "Effective date": {"de": "Gültig ab", "fr": "Date d'effet", "es": "Fecha de efecto", "ja": "適用日"},
    "Product or platform": {"de": "Produkt oder Plattform", "fr": "Produit ou plateforme",
                            "es": "Producto o plataforma", "ja": "製品またはプラットフォーム"},
    "Activation code": SUBTYPES["Activation code"],
    "Contract id": {"de": "Vertragsnummer", "fr": "Numéro de contrat", "es": "Número de contrato", "ja": "契約 ID"},
    "Ship date": {"de": "Versanddatum", "fr": "Date d'expédition", "es": "Fecha de envío", "ja": "出荷日"},
    "New owner": {"de": "Neuer Eigentümer", "fr": "Nouveau propriétaire", "es": "Nuevo propietario",
                  "ja": "新しい所有者"},
    "RMA number": {"de": "RMA-Nummer", "fr": "Numéro RMA", "es": "Número de RMA", "ja": "RMA 番号"},
}  # fmt: skip


def slug(text):  # type: ignore[no-untyped-def]
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64]  # as 0002 made the sub-types' codes


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    RequestType = apps.get_model("cases", "RequestType")
    RequestSubType = apps.get_model("cases", "RequestSubType")
    for request_type in RequestType.objects.filter(code__in=TYPES):
        english, names = TYPES[request_type.code]
        changed = []
        if request_type.name == english and not request_type.names:
            request_type.names = names
            changed.append("names")
        template = request_type.template if isinstance(request_type.template, list) else []
        for spec in template:
            labels = FIELD_LABELS.get(spec.get("label")) if isinstance(spec, dict) else None
            if labels and "labels" not in spec:
                spec["labels"] = labels
                if "template" not in changed:
                    changed.append("template")
        if changed:
            request_type.save(update_fields=changed)
        for subtype in RequestSubType.objects.filter(request_type=request_type):
            subtype_names = SUBTYPES.get(subtype.name)
            if subtype_names and subtype.code == slug(subtype.name) and not subtype.names:
                subtype.names = subtype_names
                subtype.save(update_fields=["names"])


def empty(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Back to before labels per language: the code of then refuses a template field with
    ``labels`` or ``helps``, so they go from every template (the ``names`` columns go with
    the schema migration before this one)."""
    RequestType = apps.get_model("cases", "RequestType")
    for request_type in RequestType.objects.all():
        template = request_type.template if isinstance(request_type.template, list) else []
        touched = False
        for spec in template:
            if isinstance(spec, dict) and ("labels" in spec or "helps" in spec):
                spec.pop("labels", None)
                spec.pop("helps", None)
                touched = True
        if touched:
            request_type.save(update_fields=["template"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0013_request_type_names")]
    operations = [migrations.RunPython(fill, empty)]

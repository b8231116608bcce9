"""Load the request-type catalogue of D-3.3 into a new installation.

The data is written out here rather than imported, so the migration keeps doing what it
did when it was written whatever the code does later. Admins edit the catalogue afterwards.
"""

import re

from django.db import migrations

CATALOGUE = [{'code': 'account-registration',
  'name': 'Account Registration',
  'subtypes': ['New account', 'Add user to account', 'Change account details'],
  'template': []},
 {'code': 'login-assistance',
  'name': 'Login Assistance',
  'subtypes': ['Password reset', 'Locked account', 'Cannot receive e-mail'],
  'template': []},
 {'code': 'product-registration',
  'name': 'Product Registration',
  'subtypes': ['Register product', 'Correct registration'],
  'template': [{'name': 'serials', 'label': 'Serial numbers', 'type': 'serials', 'required': True},
               {'name': 'sales_order', 'label': 'Sales order', 'type': 'text', 'max_length': 64}]},
 {'code': 'installed-base-update',
  'name': 'Installed Base Update',
  'subtypes': ['Add', 'Change', 'Move'],
  'template': [{'name': 'serials', 'label': 'Serial numbers', 'type': 'serials', 'required': True},
               {'name': 'target_site',
                'label': 'New site id',
                'type': 'text',
                'required': True,
                'max_length': 32},
               {'name': 'effective_date', 'label': 'Effective date', 'type': 'date'}]},
 {'code': 'software-download',
  'name': 'Entitlement to Download Software',
  'subtypes': ['Download access', 'Image not available'],
  'template': [{'name': 'product', 'label': 'Product or platform', 'type': 'text', 'max_length': 100}]},
 {'code': 'license-keys',
  'name': 'License Key Management',
  'subtypes': ['Activation code', 'Key not working', 'Transfer to RMA unit'],
  'template': [{'name': 'activation_code', 'label': 'Activation code', 'type': 'text', 'max_length': 64}]},
 {'code': 'warranties-contracts',
  'name': 'Warranties & Contracts',
  'subtypes': ['Warranty status', 'Contract status', 'Renewal'],
  'template': [{'name': 'contract_id', 'label': 'Contract id', 'type': 'text', 'max_length': 64}]},
 {'code': 'mis-shipment',
  'name': 'Mis-shipment',
  'subtypes': ['Missing or incorrect sales-order line items',
               'Missing or incorrect component parts or subassemblies',
               'Missing or incorrect documentation'],
  'template': [{'name': 'sales_order',
                'label': 'Sales order',
                'type': 'text',
                'required': True,
                'max_length': 64},
               {'name': 'ship_date', 'label': 'Ship date', 'type': 'date', 'required': True}]},
 {'code': 'grey-market',
  'name': 'Grey Market / Reinstatement',
  'subtypes': ['Inspection and reinstatement', 'Policy question'],
  'template': [{'name': 'serials', 'label': 'Serial numbers', 'type': 'serials', 'required': True}]},
 {'code': 'ownership-transfer',
  'name': 'Ownership Transfer',
  'subtypes': ['Transfer to new owner', 'Policy question'],
  'template': [{'name': 'serials', 'label': 'Serial numbers', 'type': 'serials', 'required': True},
               {'name': 'new_owner', 'label': 'New owner', 'type': 'text', 'max_length': 200}]},
 {'code': 'rma-assistance',
  'name': 'RMA Assistance',
  'subtypes': ['RMA status', 'Return instructions', 'Return label'],
  'template': [{'name': 'rma_number', 'label': 'RMA number', 'type': 'text', 'max_length': 32}]},
 {'code': 'general-inquiry',
  'name': 'General Inquiry',
  'subtypes': ['Policies and procedures', 'Other'],
  'template': []}]


def slug(text):  # type: ignore[no-untyped-def]
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64]


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    RequestType = apps.get_model("cases", "RequestType")
    RequestSubType = apps.get_model("cases", "RequestSubType")
    for position, entry in enumerate(CATALOGUE):
        request_type, _ = RequestType.objects.get_or_create(
            code=entry["code"],
            defaults={"name": entry["name"], "template": entry["template"], "position": position},
        )
        for sub_position, name in enumerate(entry["subtypes"]):
            RequestSubType.objects.get_or_create(
                request_type=request_type, code=slug(name), defaults={"name": name, "position": sub_position}
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

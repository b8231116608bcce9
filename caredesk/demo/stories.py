"""What the demo's customers write about, and what Customer Care answers.

Each story belongs to one request type and sub-type of the catalogue (D-3.3). Texts are
``str.format`` templates; the builder fills the placeholders from the case at hand:

``{person}`` the customer who writes, ``{first}`` their first name, ``{colleague}``,
``{org}``, ``{site}``, ``{site_id}``, ``{other_site}``, ``{country}``, ``{product}``,
``{platform}``, ``{serial}``, ``{serials}``, ``{count}``, ``{order}``, ``{contract}``,
``{rma}``, ``{code}``, ``{release}``, ``{ship_date}``, ``{centre}``.

A story may leave out the staff question (the builder then uses a general one) and the
internal note.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Story:
    request_type: str
    subtype: str
    summary: str
    description: str
    resolution: str
    question: str = ""  # the owner asks the customer something
    answer: str = ""  # the customer's answer to it
    note: str = ""  # an internal note between staff


STORIES: list[Story] = [
    # --- Account Registration ---------------------------------------------------------
    Story(
        "account-registration",
        "new-account",
        "Customer account for our new operations team",
        "We signed a support agreement for the equipment at {site} last month and need a "
        "customer account so our network operations centre can open cases. {person} will be "
        "the first user; more colleagues will follow once the account exists.",
        "The customer account for {org} is in place and {person} is its first user. Your "
        "colleagues can now register themselves with any serial number of your installed base, "
        "for example {serial}.",
        question="Could you tell us the sales order or a serial number of one of the units, so we "
        "can attach the right installed base to the new account?",
        answer="Of course: one of the units is {serial}, it shipped on order {order}.",
        note="Checked the order desk: order {order} ships to {org}, end customer matches. OK to create.",
    ),
    Story(
        "account-registration",
        "add-user-to-account",
        "Please add {colleague} to our account",
        "{colleague} joined our team this week and tried to register with serial {serial}, but "
        "the portal answered that it found no match. Could you add {colleague} to the {org} account?",
        "{colleague} now belongs to the {org} account and can log in. The registration failed "
        "because the serial had a letter O typed as a zero; the portal compares serials exactly.",
        question="Which e-mail address did {colleague} use for the registration attempt?",
        answer="The company address, same domain as mine. Thanks for checking.",
    ),
    Story(
        "account-registration",
        "change-account-details",
        "Company name changed after our merger",
        "Since the first of the month we trade under a new name after the merger with our "
        "sister company. Please update the account name; our sites and contracts stay the same. "
        "We can send the commercial register entry if you need it.",
        "The account name is updated. Contracts and cases keep their numbers; new e-mails from "
        "us will show the new name.",
        note="Name change only, no change of legal entity: no ownership transfer needed.",
    ),
    # --- Login Assistance -------------------------------------------------------------
    Story(
        "login-assistance",
        "password-reset",
        "Password reset link says it has expired",
        "I asked for a password reset twice this morning. Both links open a page that says the "
        "link is not valid or has expired, although I clicked them within a minute.",
        "Reset links work once. Your mail gateway opens links to scan them and so used them up "
        "before you did. Your IT team has excluded our portal from link rewriting and the "
        "reset now works.",
        question="Does your company's mail system rewrite or pre-open links in incoming e-mail? "
        "Scanners that open the link use up the single-use reset link.",
        answer="Our IT confirms the gateway rewrites links. They added an exception and the latest link worked.",
        note="Second case from this domain with the same symptom; link-scanning gateway again.",
    ),
    Story(
        "login-assistance",
        "locked-account",
        "Account locked after my password expired",
        "I was away for two months. When I came back the portal first asked me to change my "
        "password, and now it says my account is locked. I need to follow up on an open RMA.",
        "A password that is not changed within 30 days after it expires locks the account. "
        "We sent you the reset link again; after choosing a new password you can log in as "
        "before.",
        answer="Done, I am back in. Thank you for the quick help.",
    ),
    Story(
        "login-assistance",
        "cannot-receive-e-mail",
        "Verification e-mail never arrives",
        "I am trying to register and the verification e-mail does not arrive, not even in the "
        "spam folder. I tried three times over two days.",
        "Your mail server rejected our messages because of a strict sender policy. After your "
        "mail administrator allowed our sending domain the verification mail arrived.",
        question="Could you ask your mail administrator whether messages from our domain are "
        "rejected? We see 'policy rejection' answers from your mail server in our logs.",
        answer="They found it: our new filter blocked you. It is fixed now and the mail came through.",
    ),
    # --- Product Registration ---------------------------------------------------------
    Story(
        "product-registration",
        "register-product",
        "Register {count} units from order {order}",
        "We received {count} {product} units on order {order} through our reseller. They do not "
        "show in our installed base, so we cannot open technical cases for them. The serial "
        "numbers are in the form.",
        "The {count} units from order {order} are registered to {org} at {site}. They now show "
        "in your installed base with their warranty dates.",
        note="Partner order: end customer field was empty on the order, hence no auto-registration.",
    ),
    Story(
        "product-registration",
        "correct-registration",
        "Units registered to the wrong site",
        "The units {serials} are registered to {site}, but they were installed at {other_site}. "
        "Our field engineer noticed it when the replacement for a failed fan tray went to the "
        "wrong address.",
        "The units now belong to {other_site}. Future replacements will ship there.",
        question="Is {other_site} the final location, or is it a staging area before installation?",
        answer="It is the final location. They are in production there since last week.",
    ),
    # --- Installed Base Update --------------------------------------------------------
    Story(
        "installed-base-update",
        "add",
        "Add spare units to our installed base",
        "We keep {count} cold spares of {product} in our depot. Please add them to our installed "
        "base so they are covered when we put them into service.",
        "The spare units are added to your installed base at {other_site}.",
    ),
    Story(
        "installed-base-update",
        "move",
        "Moving equipment from {site} to {other_site}",
        "We are closing {site} and moving the units listed in the form to {other_site}. "
        "The move is planned for the date given. Please update the installed base and tell us "
        "if the hardware replacement service changes at the new site.",
        "The units are moved to {other_site}. The new site is served by a local depot, so your "
        "contracted replacement service stays the same.",
        note="Depot coverage checked for the target site: same service level available.",
    ),
    Story(
        "installed-base-update",
        "change",
        "Correct the address of our registered site",
        "The street address of {site} in our installed base is the old one from before the "
        "building works. Please correct it so couriers find the loading dock.",
        "The address of {site} is corrected. Couriers for open replacements were told as well.",
    ),
    # --- Entitlement to Download Software --------------------------------------------
    Story(
        "software-download",
        "download-access",
        "Cannot download release {release} for {product}",
        "When I try to download release {release} for our {product}, the portal says I am not "
        "entitled. We have a valid support contract ({contract}) for these units.",
        "Your contract {contract} was registered against the wrong organisation number. It is "
        "corrected and the download of {release} works now.",
        question="Could you send the serial number of one of the units covered by {contract}?",
        answer="Yes, for example {serial}.",
        note="Contract {contract} was booked on the partner's account id instead of the end customer's.",
    ),
    Story(
        "software-download",
        "image-not-available",
        "Release {release} image for {platform} missing",
        "The release notes announce {release} for {platform}, but the download page for this "
        "platform only lists the previous release.",
        "The {platform} image of {release} was published late; it is on the download page now.",
        note="Asked the release team: {platform} build was held back one day for a signing problem.",
    ),
    # --- License Key Management -------------------------------------------------------
    Story(
        "license-keys",
        "activation-code",
        "Activation code rejected as already used",
        "Activation code {code} for the advanced routing feature is rejected with 'code already "
        "used'. We have never activated it; it came with order {order}.",
        "The code had been activated on a lab unit by your partner during pre-staging. We "
        "released that activation; you can now activate the code on {serial}.",
        question="Could your partner have used the code during pre-staging? We see one activation "
        "on a serial that is not in your installed base.",
        answer="Our partner confirms they used it on their lab unit by mistake. Please release it.",
        note="Activation on a partner lab serial; partner confirmed in writing. Released.",
    ),
    Story(
        "license-keys",
        "key-not-working",
        "Licence key not accepted after software upgrade",
        "After upgrading {serial} to {release}, the device reports the licence key for the "
        "security feature set as invalid and the feature is disabled.",
        "The key was issued for the older key format. We issued a new key for {serial}; "
        "load it with the usual licence command and the feature set comes back without a restart.",
        note="Old key format from before the signing change; reissued with the current key id.",
    ),
    Story(
        "license-keys",
        "transfer-to-rma-unit",
        "Move licences to the replacement from RMA {rma}",
        "The unit replaced under RMA {rma} had three feature licences. The replacement "
        "arrived yesterday, but the licences still point to the old serial {serial}.",
        "The licences now belong to the replacement unit and new keys are in the portal. The keys "
        "of the returned serial are revoked.",
    ),
    # --- Warranties & Contracts -------------------------------------------------------
    Story(
        "warranties-contracts",
        "warranty-status",
        "Is {serial} still under warranty?",
        "Our {product} with serial {serial} shows an alarm on one power supply. Before we order "
        "a spare: is the unit still under hardware warranty?",
        "The unit shipped on {ship_date} and is within its one-year hardware warranty. You can "
        "open a technical case for the power supply; a replacement is covered.",
    ),
    Story(
        "warranties-contracts",
        "contract-status",
        "Contract {contract} does not show in the portal",
        "We renewed our support contract through our reseller, but the portal still shows "
        "{contract} as expired and technical cases are refused for our units.",
        "The renewal order was booked yesterday; {contract} now shows as active until next year "
        "and technical cases can be opened again.",
        question="Could you send us the reseller's order confirmation for the renewal?",
        answer="Attached is the confirmation our reseller sent us.",
        note="Renewal stuck in order processing: missing end-customer id. Order desk fixed it.",
    ),
    Story(
        "warranties-contracts",
        "renewal",
        "Quote for renewing contract {contract}",
        "Our contract {contract} ends in two months. We would like to renew it with the same "
        "service level for all units at {site}. Whom should we ask for a quote?",
        "Renewals are quoted by your authorised partner. We passed your request on with the "
        "list of covered units; they will send you the quote.",
    ),
    # --- Mis-shipment -----------------------------------------------------------------
    Story(
        "mis-shipment",
        "missing-or-incorrect-sales-order-line-items",
        "Order {order} arrived with the wrong model",
        "Line 3 of order {order} should be two 48-port switches; the boxes contain 24-port "
        "models. The packing list matches the order, the contents do not.",
        "The correct units shipped today; the tracking number is in the case history. Please "
        "return the wrong units with the label we sent.",
        question="Could you send photos of the labels on the boxes, with the serial numbers?",
        answer="Photos and serials of both boxes are attached.",
        note="Warehouse confirms a picking error on line 3. Replacement shipped, return label sent.",
    ),
    Story(
        "mis-shipment",
        "missing-or-incorrect-component-parts-or-subassemblies",
        "Power supplies missing from order {order}",
        "The chassis from order {order} arrived without the second power supply, although the "
        "order has redundant power. We cannot put the unit into service without it.",
        "The missing power supply shipped with next-day delivery. The tracking number is in the case history.",
    ),
    Story(
        "mis-shipment",
        "missing-or-incorrect-documentation",
        "No rack-mount kit instructions in the box",
        "The rack-mount kit of our new {product} came without installation instructions, and "
        "the guide online shows a different bracket.",
        "The instructions for this bracket revision are now online; we sent you the link and a "
        "printed copy is on its way.",
    ),
    # --- Grey Market / Reinstatement ---------------------------------------------------
    Story(
        "grey-market",
        "inspection-and-reinstatement",
        "Reinstatement of units bought second-hand",
        "We bought {count} {product} units from a company that went out of business. We would "
        "like to buy support for them. What do we need to do?",
        "The units passed inspection and are reinstated. You can now buy a support contract "
        "for them through your partner.",
        question="Please send the serial numbers and a copy of the purchase invoice; the units "
        "then need an inspection before a contract can be sold.",
        answer="Serials are in the form; the invoice is attached.",
        note="Inspection fee paid. Serials not reported stolen. Approved for reinstatement.",
    ),
    Story(
        "grey-market",
        "policy-question",
        "Can we buy support for refurbished equipment?",
        "A broker offers us refurbished {product} units at a good price. Would we be able to "
        "buy support and software updates for them later?",
        "Units not bought from us or an authorised partner need inspection and reinstatement "
        "before support can be bought; the fee depends on the product. The policy is linked in "
        "our reply.",
    ),
    # --- Ownership Transfer -------------------------------------------------------------
    Story(
        "ownership-transfer",
        "transfer-to-new-owner",
        "Transfer of units after selling our branch offices",
        "We sold our branch network, including the equipment listed in the form, to another "
        "company. Please transfer the units and tell us what happens to the contracts.",
        "The transfer request is recorded. The new owner needs an inspection and reinstatement "
        "before buying support; the running contract ends for the transferred units.",
        question="Could the new owner's contact person register in the portal, so we can attach "
        "the units to their account?",
        answer="Their IT manager registered today.",
    ),
    Story(
        "ownership-transfer",
        "policy-question",
        "Do licences move with the hardware when we sell it?",
        "We plan to sell old units to a partner company. Do the feature licences on those "
        "units stay valid for the new owner?",
        "Licences belong to the original purchaser; after a transfer the new owner has to "
        "go through reinstatement and buy the licences they need.",
    ),
    # --- RMA Assistance -----------------------------------------------------------------
    Story(
        "rma-assistance",
        "rma-status",
        "Status of RMA {rma}?",
        "The replacement for RMA {rma} was promised for yesterday, but the courier tracking shows "
        "no movement. Our site {site} runs without redundancy until it arrives.",
        "The replacement was held at customs for a missing commercial invoice. It cleared this "
        "morning and will be delivered today.",
        note="Depot says customs hold; invoice re-sent to the broker.",
    ),
    Story(
        "rma-assistance",
        "return-instructions",
        "Where do we send the faulty unit from RMA {rma}?",
        "The replacement for RMA {rma} is installed. Where do we send the defective unit, and "
        "what must be written on the box?",
        "Return address and instructions for your region are in our reply. Please write the "
        "RMA number {rma} on the outside of the box; boxes without it are refused.",
    ),
    Story(
        "rma-assistance",
        "return-label",
        "Return label for RMA {rma}",
        "Please send us a prepaid return label for the defective unit from RMA {rma}; our "
        "courier account cannot ship to your depot.",
        "The return label is attached to this case. Pickup can be booked with the number on it.",
        answer="Label received, pickup booked for tomorrow.",
    ),
    # --- General Inquiry -----------------------------------------------------------------
    Story(
        "general-inquiry",
        "policies-and-procedures",
        "How do we escalate a case outside business hours?",
        "Our operations run around the clock. If a case is not moving on a weekend, how do we "
        "reach the escalation team?",
        "Escalations outside business days go to the on-call escalation team straight away; "
        "use the Escalate button on the case or call the number for your country.",
    ),
    Story(
        "general-inquiry",
        "other",
        "Change of invoice address for support services",
        "From next quarter our invoices should go to our shared service centre. Whom do we inform?",
        "Invoicing for contracts bought through a partner is done by the partner. We passed "
        "the new address to them and noted it on your account.",
    ),
]

# General texts used when a story has none of its own.
ACKNOWLEDGEMENTS = [
    "Thank you for contacting {centre}. I have taken your case and will come back to you today.",
    "Hello {first}, thanks for the details. I am looking into this now.",
    "Thank you, {first}. I am checking this with the team responsible and will update you.",
    "Hello {first}, I have your case. I will let you know as soon as I have news.",
    "Thanks for reaching out. I have started on your request and will keep you posted.",
]
QUESTIONS = [
    "Could you send us a screenshot of the message you see, and the time it happened?",
    "To move forward, could you confirm the serial number and the site where the unit is installed?",
    "Could you tell us which user account you were logged in with when this happened?",
    "Can you send the sales order number or the delivery note, please?",
]
ANSWERS = [
    "Here is what you asked for. Let me know if you need anything else.",
    "I attached the information; sorry for the delay, I was at the site all day.",
    "Thanks, please find the details below. {serial} is the unit in question, at {site}.",
    "Done, you should have everything now.",
]
NUDGES = [
    "Is there any news on this? We would like to close it before the end of the week.",
    "Just checking whether you received our request.",
    "Could someone give us a quick update, please?",
]
REJECTIONS = [
    "Unfortunately this did not solve it: we still see the same problem this morning.",
    "Thanks, but we are not there yet: the portal still shows the old state for us.",
    "Sorry, we cannot confirm this yet. Our team checked again and the issue is still there.",
]
SECOND_RESOLUTIONS = [
    "Thanks for checking again. The remaining part was stuck in a second system; it is corrected now. "
    "Please confirm that everything looks right on your side.",
    "We found what was missing and fixed it this morning. Could you check once more?",
]
NOTES = [
    "Looked at the account history: no earlier cases on this topic.",
    "Customer called in as well; told them we are on it.",
    "Waiting for an answer from the order desk.",
    "Same question came from this customer last quarter; reused that answer.",
]
ESCALATION_NOTES = [
    "Customer asked for faster progress on the phone. Handing over to the escalation team.",
    "Priority raised by the customer's operations manager; escalation team takes over.",
]
ESCALATION_REASONS = [
    "This has been open for days and our network change window is on Friday. We need someone to take it on now.",
    "We have had no useful answer yet and our operations are affected. Please give the case to someone senior.",
    "Our go-live depends on this; please speed it up.",
]
TSE_NOTES = [
    "Technical view: nothing wrong with the unit itself; this is an entitlement matter.",
    "Had a look at the logs the customer attached: consistent with the description, no hardware fault.",
]
SIGN_OFFS = ["", "", "\n\nRegards,\n{first}", "\n\nThanks,\n{first}", "\n\nBest regards\n{person}"]

# --- Technical cases that end in an RMA (D-5) ---------------------------------------------
# Placeholders as above, and ``{serials}`` for the units on the request. ``fault`` is a
# fault category of the RMA line (D-5.3 decides on it, not on the words).


@dataclass(frozen=True)
class RmaStory:
    summary: str
    description: str  # the customer's technical case
    fault: str
    failure: str  # the TSE's failure description on each line
    diagnosis: str  # the TSE's internal note before requesting the RMA


RMA_STORIES: dict[str, RmaStory] = {
    "no-power": RmaStory(
        "{platform} {serial} does not power on",
        "Since the maintenance window last night {serial} at {site} stays dark: no fan, no "
        "status light, on two different power feeds. The redundant unit carries the traffic.",
        "no_power",
        "No power-on on two known-good feeds; PSU swap with the spare did not help. Backplane power fault.",
        "Remote session with the customer: both feeds measured fine, unit dead. Hardware, RMA it.",
    ),
    "reboots": RmaStory(
        "{serial} reboots several times a day",
        "Our {product} {serial} restarted four times since Monday. The log shows no reason "
        "before each restart. Crash files are attached to the case.",
        "hardware_fault",
        "Spontaneous reboots, crash files point to memory parity errors on the main board.",
        "Parity errors in all four crash files, same address range. Not software: board fault.",
    ),
    "ports": RmaStory(
        "Ports 1-12 down on {serial}",
        "The first twelve ports of {serial} went down together this morning and do not come "
        "back, even with new cables. Ports 13 and up work.",
        "port_fault",
        "Port group 1-12 down, PHY does not initialise after reset. Faulty port ASIC.",
        "One ASIC serves ports 1-12; it fails its self-test. Replace the unit.",
    ),
    "fans": RmaStory(
        "Fan alarm and high temperature on {serial}",
        "{serial} reports a fan failure and the temperature rises to the warning level at "
        "{site}. The room temperature is normal.",
        "power_supply_or_fan",
        "Fan tray 2 reports 0 rpm; temperature alarm follows. Fan tray is not field-replaceable on this model.",
        "Fan tray is part of the chassis on this model, so the whole unit comes back.",
    ),
    "boot": RmaStory(
        "{serial} stuck at boot after power cut",
        "After a short power cut at {site} the unit {serial} no longer starts: the console "
        "stops at the boot loader with a checksum error.",
        "no_boot",
        "Boot loader checksum error on both flash banks; recovery image does not load.",
        "Both flash banks corrupt, recovery fails: needs the factory.",
    ),
    "doa": RmaStory(
        "New {platform} {serial} fails on first start",
        "We unpacked {serial} this week and it shows a red system light on first start. It "
        "never completed its self-test.",
        "hardware_fault",
        "New unit fails power-on self-test on first start (memory test).",
        "Shipped a few weeks ago and failed out of the box: dead on arrival.",
    ),
    "flood": RmaStory(
        "Units at {site} damaged after heavy rain",
        "After the storm on Sunday water came through the ceiling of the equipment room at "
        "{site}. {serials} were flooded and do not start any more.",
        "flood",
        "Water damage: the room was flooded, corrosion visible on the board.",
        "Photos show water marks inside the chassis. Flood damage; the specialist will have to refuse it.",
    ),
    "config": RmaStory(
        "Uplink on {serial} does not come up",
        "The uplink port of {serial} stays down since we changed the optics. We think the port is broken.",
        "port_fault",
        "Uplink port does not come up with new optics.",
        "Could be the port, could be the optics' speed setting; customer insists on an RMA.",
    ),
}
RMA_ACKNOWLEDGEMENT = "Hello {first}, I am the engineer on your case. I am looking at the logs now and will call you."
RMA_TELL_CUSTOMER = (
    "We have confirmed a hardware fault and raised an RMA request for {serials}. You can follow it "
    "under My RMAs; it carries its validation number until it is approved."
)
RMA_TO_TSE = "Before I approve: did you rule out the power supply? A swap with the spare would tell us."
RMA_FROM_TSE = "Yes, the customer swapped the power supply with their spare yesterday; same result. It is the unit."
RMA_CUSTOMER_QUESTION = "Do we have to send the rack ears and the power cords back with the unit?"
RMA_CUSTOMER_ANSWER = (
    "No, please keep the accessories: send the unit alone in its box, with the RMA number on the outside."
)
RMA_REJECTION = (
    "The logs show the uplink disabled by configuration after the optics change (speed set to 10G on a "
    "25G module). There is no hardware fault; the engineer will help you correct the setting on the case."
)
RMA_CANCELLATION = "The unit came back after the firmware upgrade the engineer suggested. We no longer need the RMA."
RMA_WAIVER = (
    "The customer's courier lost the first box; the unit reached the depot late with proof of the first "
    "dispatch. No charge."
)
RMA_RESOLUTION = "The replacement runs and the RMA is closed. Thank you for returning the defective unit."
CLAIM_PART_SHIPPED = "The correct part shipped today with {carrier}, tracking number {tracking}."

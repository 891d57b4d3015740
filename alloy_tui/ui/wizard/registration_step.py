"""Step 2: the Entra app registration (tenant, client id) and the cloud, validated as typed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from alloy_tui.core.config import settings_model as settings_mod
from alloy_tui.ui.widgets.choice import ChoiceList, Option
from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.wizard.step_names import heading
from alloy_tui.ui.wizard.summary import CLOUD_NAMES

GRAPH = "00000003-0000-0000-c000-000000000000"
EXCHANGE = "00000002-0000-0ff1-ce00-000000000000"
SCOPE_IDS = {
    "Mail.Send": "e383f46e-2787-4529-855e-0e479a3ffac0",
    "Mail.Send.Shared": "a367ab51-6b49-43bf-a716-a1fb06d2a174",
    "User.Read": "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
    "offline_access": "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
    "EWS.AccessAsUser.All": "3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5",
    "Mail.ReadWrite": "024d486e-b451-40bb-833d-3e66d98c5c73",  # drafts, for large messages
}
AZ_CLOUD = {
    "global": "AzureCloud",
    "usgov-high": "AzureUSGovernment",
    "usgov-dod": "AzureUSGovernment",
    "china": "AzureChinaCloud",
}

NEEDS = """\
The app registration needs:
 • Allow public client flows: Yes (Authentication page)
 • Delegated permissions, Microsoft Graph: Mail.Send,
   Mail.Send.Shared, User.Read, offline_access
 • For EWS also Office 365 Exchange Online:
   EWS.AccessAsUser.All
 • Admin consent granted for your organization
Tenant: Overview > Directory (tenant) ID, or a domain
like contoso.onmicrosoft.com. Client id: Overview >
Application (client) ID."""
#: NEEDS with large messages on: the draft permission as well.
NEEDS_LARGE = NEEDS.replace(
    "   Mail.Send.Shared, User.Read, offline_access",
    "   Mail.Send.Shared, User.Read, offline_access,\n   Mail.ReadWrite (large messages)",
)


def graph_scopes(large_messages: bool = False) -> tuple[str, ...]:
    """The delegated Graph permissions the registration needs."""
    names = ("Mail.Send", "Mail.Send.Shared", "User.Read", "offline_access")
    return (*names, "Mail.ReadWrite") if large_messages else names


def az_commands(cloud: str = "global", large_messages: bool = False) -> str:
    """Azure CLI commands that create a registration with exactly what alloy-tui needs
    (Mail.ReadWrite only when large messages are on)."""
    graph = [f"  {SCOPE_IDS[s]}=Scope" for s in graph_scopes(large_messages)]
    lines = []
    if cloud != "global":
        lines.append(f"az cloud set --name {AZ_CLOUD[cloud]}")
    lines += [
        "az login",
        'APP=$(az ad app create --display-name "alloy-tui notifications" \\',
        "  --sign-in-audience AzureADMyOrg \\",
        "  --is-fallback-public-client true --query appId -o tsv)",
        "az ad app permission add --id $APP \\",
        f"  --api {GRAPH} --api-permissions \\",
        *[line + " \\" for line in graph[:-1]],
        graph[-1],
        "# only for EWS:",
        "az ad app permission add --id $APP \\",
        f"  --api {EXCHANGE} --api-permissions \\",
        f"  {SCOPE_IDS['EWS.AccessAsUser.All']}=Scope",
        "az ad sp create --id $APP",
        "az ad app permission admin-consent --id $APP",
        'echo "client id: $APP"',
        'echo "tenant:    $(az account show --query tenantId -o tsv)"',
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class Registration:
    tenant: str
    client_id: str
    cloud: str


def check_field(key: str, value: str) -> str:
    """'' when the value is right, else the problem in words."""
    value = value.strip()
    if not value:
        return "required"
    name = key.split(".")[1]
    probe = settings_mod.Settings().with_section("exchange_online", **{name: value})
    for p in settings_mod.validate(probe):
        if p.key == key:
            return p.message
    return ""


class RegistrationScreen(WizardScreen[Registration]):
    STEP_TITLE = heading("registration")
    ENTER_NEXT_FIELD = True
    HELP = (
        """\
alloy-tui signs in as a public client of YOUR OWN app registration in
Microsoft Entra ID (there is no shared vendor app). Create one in the Entra
admin center (App registrations > New registration, single tenant), or with
the Azure CLI commands shown on this step (^Y copies them to your clipboard).

"""
        + NEEDS
        + """

Cloud: Global covers commercial and GCC tenants. GCC High, DoD and China
(21Vianet) use their own sign-in and Graph hosts.

Keys: Enter moves to the next field (tenant, client id, cloud) and, on the
cloud, goes on; Tab and Shift+Tab move between fields; Up/Down choose the
cloud; ^N goes on from anywhere."""
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+y", "copy_commands", "Copy az", key_display="^Y"),
    ]

    def compose_body(self) -> ComposeResult:
        eo = self.state.draft.exchange_online
        with Horizontal(id="reg-columns", classes="columns"):
            with Vertical(id="reg-fields", classes="column"):
                yield Static("Directory (tenant) ID or domain", classes="label", markup=False)
                yield Input(
                    self.initial("tenant", eo.tenant),
                    placeholder="contoso.onmicrosoft.com or GUID",
                    id="tenant",
                )
                yield Static("", id="tenant-check", classes="check", markup=False)
                yield Static("Application (client) ID", classes="label", markup=False)
                yield Input(
                    self.initial("client_id", eo.client_id),
                    placeholder="00000000-0000-0000-0000-000000000000",
                    id="client_id",
                )
                yield Static("", id="client_id-check", classes="check", markup=False)
                yield Static("Cloud", classes="label", markup=False)
                yield ChoiceList(
                    [Option(k, v) for k, v in CLOUD_NAMES.items()],
                    self.initial("cloud", eo.cloud),
                    id="cloud",
                )
            with Vertical(id="reg-help", classes="column help-panel"):
                yield Static(NEEDS_LARGE if eo.large_messages else NEEDS, markup=False)
                yield Static("Azure CLI (^Y copies):", classes="label", markup=False)
                yield Static(self._az(eo.cloud), id="az", classes="code", markup=False)

    def on_mount(self) -> None:
        for key in ("tenant", "client_id"):
            value = self.query_one(f"#{key}", Input).value
            if value:
                self._show_check(key, value)
        self.query_one("#tenant", Input).focus()

    def _show_check(self, key: str, value: str) -> bool:
        problem = check_field(f"exchange_online.{key}", value)
        line = self.query_one(f"#{key}-check", Static)
        if problem:
            line.update(f"✗ {problem}")
            line.set_classes("check -error")
        else:
            line.update("✓ looks right")
            line.set_classes("check -ok")
        return not problem

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in ("tenant", "client_id"):
            self._show_check(event.input.id, event.value)

    def _az(self, cloud: str) -> str:
        return az_commands(cloud, self.state.draft.exchange_online.large_messages)

    def on_choice_list_changed(self, event: ChoiceList.Changed) -> None:
        if event.choice_list.id == "cloud":
            self.query_one("#az", Static).update(self._az(event.value))

    def action_copy_commands(self) -> None:
        cloud = self.query_one("#cloud", ChoiceList).value
        self.app.copy_to_clipboard(self._az(cloud))
        self.notify(
            "Sent the commands to your clipboard through the terminal (OSC 52). "
            "If nothing arrived, your terminal blocks OSC 52: select the text instead.",
            title="Copied",
        )

    def collect(self) -> Registration | None:
        ok = True
        for key in ("tenant", "client_id"):
            field = self.query_one(f"#{key}", Input)
            if not self._show_check(key, field.value):
                if ok:
                    field.focus()
                ok = False
        if not ok:
            self.say("Fix the fields marked ✗ first.", "error")
            return None
        return Registration(
            tenant=self.query_one("#tenant", Input).value.strip(),
            client_id=self.query_one("#client_id", Input).value.strip(),
            cloud=self.query_one("#cloud", ChoiceList).value,
        )


def apply(state: WizardState, result: Registration) -> None:
    eo = state.draft.exchange_online
    if (eo.tenant, eo.client_id, eo.cloud) != (result.tenant, result.client_id, result.cloud):
        state.account = None  # another app or tenant: the cached account may not fit any more
    state.draft = state.draft.with_section(
        "exchange_online", tenant=result.tenant, client_id=result.client_id, cloud=result.cloud
    )


STEP = Step.named("registration", RegistrationScreen, apply)

"""Customer service: a router authenticates callers and routes them to specialist agents."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from voxline.agents.agent import Agent
from voxline.agents.guardrail import PolicyRule, keyword_guardrail
from voxline.agents.tool import FunctionTool, function_tool
from voxline.core.config import SessionConfig
from voxline.errors import InputError
from voxline.scenarios.base import Scenario
from voxline.scenarios.phone import format_phone, normalize_phone
from voxline.scenarios.store import CustomerStore

Category = Literal["technical", "orders", "billing", "sales", "account", "other"]
Priority = Literal["low", "normal", "high", "urgent"]


def build_tools(store: CustomerStore) -> dict[str, FunctionTool]:
    """The five customer-service tools, bound to `store`, by name."""
    tools = [*_account_tools(store), *_service_tools(store)]
    return {tool.name: tool for tool in tools}


def _account_tools(store: CustomerStore) -> list[FunctionTool]:

    @function_tool
    def authenticate_user(phone: str, email: str | None = None) -> dict[str, Any]:
        """Verify the caller by the phone number on their account, and email if they give one.

        Args:
            phone: The phone number exactly as the caller said it, digits or words.
            email: The email on the account, if the caller gave it.
        """
        try:
            digits = normalize_phone(phone)
        except InputError as exc:
            return {"authenticated": False, "reason": str(exc)}
        customer = store.customer_by_phone(digits)
        if customer is None:
            return {
                "authenticated": False,
                "reason": f"no account uses {format_phone(digits)}; ask the caller to check it",
            }
        if email is not None and email.strip().lower() != customer["email"].lower():
            return {"authenticated": False, "reason": "the email does not match the account"}
        return {"authenticated": True, "user_id": customer["id"], "name": customer["name"]}

    return [authenticate_user, _profile_tool(store)]


def _profile_tool(store: CustomerStore) -> FunctionTool:

    @function_tool
    def lookup_user_profile(user_id: str) -> dict[str, Any]:
        """Get an authenticated caller's profile: name, plan, balance, contact details.

        Args:
            user_id: The user id returned by authenticate_user, such as U1001.
        """
        customer = store.customer(user_id)
        if customer is None:
            return {"found": False, "reason": f"no customer has the id {user_id!r}"}
        return {
            "found": True,
            "user_id": customer["id"],
            "name": customer["name"],
            "plan": customer["plan"],
            "balance_due": f"${customer['balance_cents'] / 100:.2f}",
            "email": customer["email"],
            "phone": format_phone(customer["phone"]),
            "member_since": customer["member_since"],
        }

    return lookup_user_profile


def _service_tools(store: CustomerStore) -> list[FunctionTool]:

    @function_tool
    def search_knowledge_base(query: str, category: Category | None = None) -> dict[str, Any]:
        """Search help articles; the best matches come first.

        Args:
            query: The caller's problem or question in a few words.
            category: Limit the search to one category.
        """
        try:
            articles = store.search_articles(query, category)
        except InputError as exc:
            return {"articles": [], "reason": str(exc)}
        return {"articles": articles}

    @function_tool
    def create_support_ticket(
        issue: str,
        category: Category,
        priority: Priority = "normal",
        user_id: str | None = None,
    ) -> dict[str, Any]:
        """Open a support ticket; returns its id and the estimated time to resolve it.

        Args:
            issue: What went wrong, in one or two sentences.
            category: The kind of problem.
            priority: How urgent it is.
            user_id: The caller's user id, if authenticated.
        """
        ticket = store.create_ticket(issue, category, priority, user_id)
        return {
            "ticket_id": ticket.id,
            "status": ticket.status,
            "priority": ticket.priority,
            "estimated_resolution": f"within {ticket.estimated_resolution_hours} hours",
        }

    @function_tool
    def lookup_order_by_phone(phone: str) -> dict[str, Any]:
        """Find the orders of the account with this phone number, newest first.

        Args:
            phone: The phone number exactly as the caller said it, digits or words.
        """
        try:
            digits = normalize_phone(phone)
        except InputError as exc:
            return {"orders": [], "reason": str(exc)}
        customer = store.customer_by_phone(digits)
        if customer is None:
            return {"orders": [], "reason": f"no account uses {format_phone(digits)}"}
        orders = [
            {
                "order_id": o["id"],
                "item": o["item"],
                "status": o["status"],
                "carrier": o["carrier"],
                "eta": o["eta"],
                "total": f"${o['total_cents'] / 100:.2f}",
            }
            for o in store.orders_of(customer["id"])
        ]
        return {"customer": customer["name"], "orders": orders}

    return [search_knowledge_base, create_support_ticket, lookup_order_by_phone]


POLICY = keyword_guardrail(
    [
        PolicyRule(r"\bguarantee", "OFF_BRAND", "we never guarantee outcomes or dates"),
        PolicyRule(r"\b(stupid|idiot|shut up)\b", "OFFENSIVE", "agents stay polite"),
        PolicyRule(
            r"\b(credit card|card) number\b", "OFF_BRAND", "never ask for full card numbers"
        ),
    ],
    name="business_policy",
)

_ROUTER = (
    "You are the front desk of Acme Telecom. Greet the caller in one short sentence. "
    "If they need their account, orders or bill, ask for their phone number and call "
    "authenticate_user. Then transfer: technical problems, orders and deliveries to support; "
    "buying, plans, prices and upgrades to sales; bills, charges and refunds to billing; "
    "a request for a person, or an angry caller, to human_agent. Do not solve problems yourself."
)
_SUPPORT = (
    "You are Acme technical and order support. Search the knowledge base before answering, "
    "look up orders by phone when asked about a delivery, and open a ticket if the fix does "
    "not work. Answer in two short sentences. Transfer back to router for other topics."
)
_SALES = (
    "You are Acme sales. Explain plans, prices and offers from the knowledge base in two short "
    "sentences and help the caller choose. Transfer back to router for other topics."
)
_BILLING = (
    "You are Acme billing. Look up the caller's profile for their balance, explain charges "
    "from the knowledge base, and open a billing ticket for refunds. Be brief. Transfer to "
    "human_agent for disputes, back to router for other topics."
)
_HUMAN = (
    "You stand in for a human supervisor. Apologise once, open a high priority ticket "
    "describing the problem, and tell the caller the ticket id and that a person will call "
    "back within the estimated time. Transfer back to router if they want something else."
)


def build(data_dir: Path | None = None) -> Scenario:
    """The customer-service scenario, its database in `data_dir` (created and seeded if new)."""
    tools = build_tools(CustomerStore(data_dir))
    t = tools.__getitem__
    human = Agent(
        name="human_agent",
        instructions=_HUMAN,
        tools=[t("create_support_ticket"), t("lookup_user_profile")],
        handoffs=["router"],
        handoff_description="A person: for callers who ask for a human or are upset.",
        routing_examples=(
            "Can I talk to a human?",
            "Put me through to an operator.",
            "I want to speak to your manager.",
            "This is unacceptable, I'm really angry.",
        ),
        output_guardrails=[POLICY],
    )
    billing = Agent(
        name="billing",
        instructions=_BILLING,
        tools=[t("lookup_user_profile"), t("search_knowledge_base"), t("create_support_ticket")],
        handoffs=["router", human],
        handoff_description="Bills, charges, payments and refunds.",
        routing_examples=(
            "Why was I charged this fee?",
            "I want to pay my bill.",
            "Can I update my payment method?",
            "How does automatic payment work?",
            "I'd like my money back.",
        ),
        output_guardrails=[POLICY],
    )
    sales = Agent(
        name="sales",
        instructions=_SALES,
        tools=[t("search_knowledge_base"), t("lookup_user_profile")],
        handoffs=["router"],
        handoff_description="Buying, plans, prices, upgrades and offers.",
        routing_examples=(
            "What plans do you offer?",
            "I want to buy a new phone.",
            "Can I add another line?",
            "Are there any discounts right now?",
            "I'd like to switch to your service.",
        ),
        output_guardrails=[POLICY],
    )
    support = Agent(
        name="support",
        instructions=_SUPPORT,
        tools=[
            t("search_knowledge_base"),
            t("lookup_order_by_phone"),
            t("create_support_ticket"),
            t("lookup_user_profile"),
        ],
        handoffs=["router", human],
        handoff_description="Technical problems, orders, deliveries and returns.",
        routing_examples=(
            "My internet is not working.",
            "I can't sign in to my account.",
            "My order hasn't arrived.",
            "I want to send back a faulty device.",
            "The TV has no signal.",
        ),
        output_guardrails=[POLICY],
    )
    router = Agent(
        name="router",
        instructions=_ROUTER,
        tools=[t("authenticate_user")],
        handoffs=[support, sales, billing, human],
        output_guardrails=[POLICY],
    )
    return Scenario(
        name="customer_service",
        title="Customer service",
        description=(
            "A router greets and authenticates the caller, then routes to support, sales, "
            "billing or a human; tools read and write a SQLite database."
        ),
        agent=router,
        agents=(router, support, sales, billing, human),
        config=SessionConfig(instructions=""),
    )

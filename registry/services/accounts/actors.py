"""Who is acting: a logged-in user, an institution's API token, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass

from registry.models import Role, User


@dataclass(frozen=True)
class Actor:
    """The acting party passed to every service call; carries its scope in the hierarchy."""

    label: str
    role: str
    user_id: int | None = None
    token_id: int | None = None
    institution_id: int | None = None
    university_id: int | None = None
    address: str | None = None

    @classmethod
    def for_user(cls, user: User, address: str | None = None) -> Actor:
        return cls(
            label=f"user:{user.email}",
            role=user.role,
            user_id=user.id,
            institution_id=user.institution_id,
            university_id=user.university_id,
            address=address,
        )

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(label=label, role="system")

    @property
    def is_national(self) -> bool:
        """Regulators, admins and the system see every institution."""
        return self.role in (Role.REGULATOR, Role.ADMIN, "system")

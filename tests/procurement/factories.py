import factory
from django.contrib.auth.models import Group, User

from procurement import policies

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


def user_with_role(role: str | None = None, **kwargs) -> User:
    return UserFactory(roles=[role] if role else [], **kwargs)


def admin_user(**kwargs) -> User:
    return UserFactory(is_staff=True, is_superuser=True, **kwargs)


ALL_ROLES = policies.ROLES

from django.conf import settings
from django.db import models


class UsernameSkeleton(models.Model):
    """A skeleton of an account's name (accounts.usernames): no two accounts share one.

    The unique index is what refuses a lookalike name, also when two people
    register confusable names at the same moment.
    """

    skeleton = models.TextField(unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="username_skeletons"
    )

    def __str__(self) -> str:
        return self.skeleton

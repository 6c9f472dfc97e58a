import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def skeletons_of_existing_accounts(apps, schema_editor):
    """Record the skeletons of the accounts made before names were compared.

    Oldest account first: where two existing names already look alike, the
    older one keeps the skeleton (both accounts stay as they are).
    """
    from accounts.usernames import username_skeletons

    User = apps.get_model(settings.AUTH_USER_MODEL)
    UsernameSkeleton = apps.get_model("accounts", "UsernameSkeleton")
    for user in User.objects.order_by("pk").only("pk", "username").iterator(chunk_size=2000):
        UsernameSkeleton.objects.bulk_create(
            [
                UsernameSkeleton(user_id=user.pk, skeleton=skeleton)
                for skeleton in sorted(username_skeletons(user.username))
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="UsernameSkeleton",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("skeleton", models.TextField(unique=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="username_skeletons",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.RunPython(skeletons_of_existing_accounts, migrations.RunPython.noop),
    ]

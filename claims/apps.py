from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Argument graph"

    def ready(self) -> None:
        # The possible-duplicates list follows every committed change of the nodes or
        # their words (issue 17); votes and links leave it as it is.
        from claims import hooks
        from claims.tasks import duplicates_refresh_soon

        hooks.on_wording_changed(duplicates_refresh_soon)

from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    name = "discussion"
    verbose_name = "Discussion: comments, watches and activity"

    def ready(self) -> None:
        # claims never imports this app: a merge of nodes moves comments through this.
        from claims import hooks
        from discussion.merge import DISCUSSION_IN_MERGE

        hooks.register_merge_participant(DISCUSSION_IN_MERGE)

from django.apps import AppConfig


class CruxesConfig(AppConfig):
    name = "cruxes"
    verbose_name = "Credences and crux ranking"

    def ready(self) -> None:
        # claims never imports this app: it calls what is registered here.
        from claims import hooks
        from cruxes.merge import VOTES_IN_MERGE
        from cruxes.tasks import recompute_ranking_soon
        from cruxes.views import node_page_render
        from cruxes.vote_store import VOTE_STORE

        hooks.on_graph_changed(recompute_ranking_soon)
        hooks.register_vote_store(VOTE_STORE)
        hooks.register_node_page(node_page_render)
        hooks.register_merge_participant(VOTES_IN_MERGE)

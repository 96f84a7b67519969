from django.apps import AppConfig


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"
    verbose_name = "Changes and webhooks"

    def ready(self) -> None:
        from events import recording
        from posts.signals import post_changed

        post_changed.connect(recording.on_post_changed, dispatch_uid="events.record_post_change")

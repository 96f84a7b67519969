from django.db import models
from django.utils import timezone


class TimestampedModel(models.Model):
    """``created_at`` and ``updated_at``, equal on creation; ``updated_at`` moves on every save.

    (Django's auto_now_add and auto_now each read the clock: a new row's two stamps would
    differ by microseconds.)
    """

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        stamped = self.stamp(timezone.now())
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *stamped}
        super().save(*args, **kwargs)

    def stamp(self, now) -> set[str]:
        """Set the fields that follow the clock on a save; returns their names."""
        if self._state.adding:
            self.created_at = now
        self.updated_at = now
        return {"updated_at"}

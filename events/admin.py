"""Webhooks for moderators: endpoints, their secret (shown once), deliveries and attempts."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages

from events.models import Delivery, DeliveryAttempt, DeliveryStatus, EventType, Webhook
from events.targets import UnsafeTarget, resolve
from events.tasks import deliver


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(choices=EventType.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Webhook
        fields = ["url", "event_types", "active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            resolve(url)
        except UnsafeTarget as refused:
            hint = "" if settings.WEBHOOK_ALLOW_PRIVATE else " (WEBHOOK_ALLOW_PRIVATE=1 allows private addresses)"
            raise forms.ValidationError(f"{refused}{hint}") from None
        return url


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ["attempted_at", "status_code", "duration_ms", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["url", "types", "active", "failing_since", "disabled_reason", "created_at"]
    list_filter = ["active"]
    search_fields = ["url"]
    readonly_fields = ["failing_since", "disabled_reason", "created_at"]

    @admin.display(description="Events")
    def types(self, webhook: Webhook) -> str:
        return ", ".join(webhook.event_types)

    def save_model(self, request, obj: Webhook, form, change: bool) -> None:
        if obj.active:
            obj.failing_since, obj.disabled_reason = None, ""  # re-enabled: a fresh start
        super().save_model(request, obj, form, change)
        if not change:
            self.message_user(
                request,
                f"Signing secret of this webhook (shown only now, keep it): {obj.secret}",
                messages.WARNING,
            )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "webhook", "status", "attempts", "created_at"]
    list_filter = ["status"]
    list_select_related = ["event", "webhook"]
    readonly_fields = ["webhook", "event", "status", "attempts", "created_at"]
    inlines = [DeliveryAttemptInline]
    actions = ["send_again"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Send again", permissions=["change"])
    def send_again(self, request, queryset) -> None:
        deliveries = list(queryset)
        for delivery in deliveries:
            Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING)
            deliver.defer(delivery_id=delivery.pk)
        self.message_user(request, f"{len(deliveries)} delivery(ies) queued again.", messages.SUCCESS)

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from accounts.authentication import forget_saved_user

        user_model = self.get_model("User")
        post_save.connect(forget_saved_user, sender=user_model, dispatch_uid="forget_saved_user")
        post_delete.connect(forget_saved_user, sender=user_model, dispatch_uid="forget_deleted_user")

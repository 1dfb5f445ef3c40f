from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account and personal data will be deleted for good."),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This password is not correct."))
        return password


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form, safe against a double click.

    The database enforces one account per email (case-insensitive); when a sign-up running
    at the same moment wins, this one answers as for an email already registered (the same
    page, and an "account already exists" email), never with an error.
    """

    def try_save(self, request):
        tries = 0
        while True:
            tries += 1
            try:
                with transaction.atomic():
                    return super().try_save(request)
            except IntegrityError:
                if tries == 3:
                    raise
                email = self.cleaned_data.get("email") or ""
                # Either the email is taken now, or two new addresses got the same generated
                # username: the next try answers "already exists", or picks another username.
                if get_user_model().objects.filter(email__iexact=email).exists():
                    self.account_already_exists = True

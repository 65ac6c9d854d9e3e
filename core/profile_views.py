"""The user's own page: role and scope, and personal API tokens (create, list, revoke)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .models import ApiToken
from .tokens import api_token_create, api_token_revoke


class TokenForm(forms.Form):
    name = forms.CharField(label="用途", max_length=100, error_messages={"required": "请填写令牌用途。"})
    can_write = forms.BooleanField(label="允许写入（登记、修改记录）", required=False)


@login_required
def profile(request):
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = api_token_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
    tokens = ApiToken.objects.filter(user=request.user)
    status = 400 if request.method == "POST" and not new_key else 200
    return render(
        request, "registration/profile.html", {"form": form, "tokens": tokens, "new_key": new_key}, status=status
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(user=request.user, token=token)
    messages.success(request, f"令牌“{token.name}”已吊销。")
    return redirect("profile")

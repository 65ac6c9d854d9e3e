"""Password validators in Chinese where Django's own translation is missing.

Django 5.2's MinimumLengthValidator error message uses `%d` while its zh_Hans catalogue translates the older
`%(min_length)d` message id, so the error would appear in English on a Chinese portal.
"""

from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"密码长度太短。密码必须包含至少 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码必须包含至少 {self.min_length} 个字符。"

"""Token login for scripts."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

from .throttling import AnonBurstThrottle


@extend_schema(
    summary="用用户名和密码换取令牌",
    description="脚本调用时在请求头中携带 `Authorization: Token <令牌>`。"
    "登录失败次数过多会被暂时锁定(防暴力破解由 django-axes 负责)。",
    request=AuthTokenSerializer,
    responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    examples=[
        OpenApiExample(
            "登录", value={"username": "edu", "password": "********"}, request_only=True
        ),
        OpenApiExample(
            "令牌", value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"}, response_only=True
        ),
    ],
)
class ObtainTokenView(ObtainAuthToken):
    """DRF's own view: its serializer calls authenticate(request=...), so axes sees each try."""

    throttle_classes = [AnonBurstThrottle]

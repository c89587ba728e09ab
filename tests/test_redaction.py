"""No credentials at rest: a URL's secrets become REDACTED and everything else stays as it was."""

import urllib.parse

import boto3
import pytest
from botocore.config import Config

from image_telephone.game.settings import GameSettings
from image_telephone.redaction import REDACTED, redact_url

ACCESS_KEY = "AKIAEXAMPLEKEYID0001"
SECRET_KEY = "never-at-rest-secret-key"
SESSION_TOKEN = "never-at-rest-session-token"


def _parameters(url: str) -> list[tuple[str, str]]:
    return urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)


def _presigned(signature_version: str) -> str:
    """A real presigned S3 URL; presigning is local, the endpoint is never contacted."""
    client = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token=SESSION_TOKEN,
        config=Config(signature_version=signature_version),
    )
    return client.generate_presigned_url(
        "get_object", Params={"Bucket": "photos", "Key": "cat.png"}, ExpiresIn=600
    )


@pytest.mark.parametrize(
    ("signature_version", "secrets"),
    [
        ("s3v4", {"X-Amz-Credential", "X-Amz-Security-Token", "X-Amz-Signature"}),
        ("s3", {"AWSAccessKeyId", "Signature", "x-amz-security-token"}),
    ],
)
def test_presigned_s3_url_keeps_its_shape_and_loses_its_secrets(signature_version, secrets):
    url = _presigned(signature_version)
    original = _parameters(url)
    assert secrets <= {name for name, _ in original}  # the presigned URL carries them

    redacted = redact_url(url)
    assert [name for name, _ in _parameters(redacted)] == [name for name, _ in original]
    for (name, value), (_, kept) in zip(original, _parameters(redacted), strict=True):
        assert kept == (REDACTED if name in secrets else value), name
        if name in secrets:
            assert value not in redacted
    assert ACCESS_KEY not in redacted and SESSION_TOKEN not in redacted
    assert redacted.startswith("http://127.0.0.1:9/photos/cat.png?")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (  # Google Cloud Storage, V4 signing
            "https://storage.googleapis.com/photos/cat.png?X-Goog-Algorithm=GOOG4-RSA-SHA256"
            "&X-Goog-Credential=sa%40proj.iam.gserviceaccount.com%2F20240101%2Fauto%2Fstorage"
            "%2Fgoog4_request&X-Goog-Date=20240101T000000Z&X-Goog-Expires=900"
            "&X-Goog-SignedHeaders=host&X-Goog-Signature=0a1b2c3d4e5f",
            "https://storage.googleapis.com/photos/cat.png?X-Goog-Algorithm=GOOG4-RSA-SHA256"
            "&X-Goog-Credential=REDACTED&X-Goog-Date=20240101T000000Z&X-Goog-Expires=900"
            "&X-Goog-SignedHeaders=host&X-Goog-Signature=REDACTED",
        ),
        (  # Google Cloud Storage, V2 signing
            "https://storage.googleapis.com/photos/cat.png?GoogleAccessId=sa%40proj.iam"
            "&Expires=1700000000&Signature=bXlzaWduYXR1cmU%3D",
            "https://storage.googleapis.com/photos/cat.png?GoogleAccessId=REDACTED"
            "&Expires=1700000000&Signature=REDACTED",
        ),
        (  # Azure blob shared access signature
            "https://acct.blob.core.windows.net/photos/cat.png?sv=2022-11-02&ss=b&srt=o&sp=r"
            "&se=2024-01-01T00%3A00%3A00Z&spr=https&sig=c2lnbmF0dXJl%2Bx%3D",
            "https://acct.blob.core.windows.net/photos/cat.png?sv=2022-11-02&ss=b&srt=o&sp=r"
            "&se=2024-01-01T00%3A00%3A00Z&spr=https&sig=REDACTED",
        ),
        (  # CloudFront signed URL
            "https://d111.cloudfront.net/cat.png?Expires=1700000000&Policy=eyJTdGF0ZW1lbnQ"
            "&Signature=abc~def&Key-Pair-Id=K2JCJMDEHXQW5F",
            "https://d111.cloudfront.net/cat.png?Expires=1700000000&Policy=REDACTED"
            "&Signature=REDACTED&Key-Pair-Id=REDACTED",
        ),
        (
            "https://alice:s3cret@proxy.example.com:8443/v1?api-version=2024-06-01",
            "https://REDACTED@proxy.example.com:8443/v1?api-version=2024-06-01",
        ),
        ("https://ghp_token123@example.com/cat.png", "https://REDACTED@example.com/cat.png"),
        (  # names compared without case, '-' or '_'; look-alike names kept
            "https://x.example/a.png?API-KEY=1&ApiKey=2&Token=3&keyword=cat&monkey=4&SIG=5",
            "https://x.example/a.png?API-KEY=REDACTED&ApiKey=REDACTED&Token=REDACTED"
            "&keyword=cat&monkey=4&SIG=REDACTED",
        ),
        (
            "https://app.example/callback#access_token=abc&state=xyz",
            "https://app.example/callback#access_token=REDACTED&state=xyz",
        ),
    ],
    ids=[
        "gcs v4",
        "gcs v2",
        "azure sas",
        "cloudfront",
        "user and password",
        "user",
        "names",
        "fragment",
    ],
)
def test_secrets_are_replaced_by_redacted(url, expected):
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "data:image/png;base64,iVBORw0KGgo=",
        "data:text/plain,see https://user:pw@example.com/?token=abc",
        "/home/me/photos/cat.png",
        "photos/cat?token=1.png",
        "C:\\photos\\cat.png",
        "https://example.com/photos/cat.png",
        "s3://photos/runs/cat.png",
        "https://example.com/a.png?versionId=3&token=",
    ],
)
def test_urls_without_secrets_come_back_unchanged(url):
    assert redact_url(url) == url


@pytest.mark.parametrize(
    "odd",
    ["", "://", "http://", "http://[::1", "http://h/?&&==&token", "?token=x", "http://@", "ftp:"],
)
def test_odd_input_never_raises(odd):
    assert isinstance(redact_url(odd), str)


def test_settings_record_the_base_url_redacted():
    settings = GameSettings(provider="openai", base_url="https://u:pw@llm.example/v1?key=k1")
    assert settings.base_url == "https://REDACTED@llm.example/v1?key=REDACTED"
    assert "pw" not in str(settings.as_record()) and "k1" not in str(settings.as_record())

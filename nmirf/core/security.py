"""The Content-Security-Policy header (Django 5.2 has none of its own).

The policy itself is a setting (NMIRF_CONTENT_SECURITY_POLICY): scripts, styles, images
and connections from this site only, nothing inline, no framing. Pages keep to it by
putting every script and style in static files; tests/browser/test_security_csp.py opens
every kind of page and fails on any violation the browser reports.
"""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.NMIRF_CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        # A view that needs another policy sets its own header. Every response of the
        # application gets it, JSON and error pages included (static files are answered
        # by WhiteNoise before this middleware and carry none: they are not documents).
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response

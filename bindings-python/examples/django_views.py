from django.http import HttpRequest, JsonResponse

import secctx

resolver = secctx.Resolver(preset="private_ingress", application_name="contoso-chat")


def chat(request: HttpRequest) -> JsonResponse:
    ctx = secctx.from_django(request, resolver)
    # client.chat.completions.create(..., extra_body=ctx.extra_body())
    return JsonResponse(ctx.extra_body())

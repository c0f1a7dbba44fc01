from fastapi import Depends, FastAPI

import secctx

app = FastAPI()
resolver = secctx.Resolver(preset="private_ingress", application_name="contoso-chat")
security_context = secctx.fastapi_dependency(resolver)


@app.post("/chat")
async def chat(ctx: secctx.SecurityContext = Depends(security_context)) -> dict:
    # await client.chat.completions.create(..., extra_body=ctx.extra_body())
    return ctx.extra_body()

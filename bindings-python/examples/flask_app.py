from flask import Flask, jsonify

import secctx

app = Flask(__name__)
resolver = secctx.Resolver(preset="private_ingress", application_name="contoso-chat")


@app.post("/chat")
def chat():  # type: ignore[no-untyped-def]
    # In a real app, the user's id comes from your authentication.
    ctx = secctx.from_flask(resolver=resolver, end_user_id="user-42", end_user_id_type="other")
    # client.chat.completions.create(..., extra_body=ctx.extra_body())
    return jsonify(ctx.extra_body())

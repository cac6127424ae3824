"""Token-authenticated API endpoints about the caller."""

from __future__ import annotations

from flask import g, jsonify

from portal.api import api_blueprint, token_required


@api_blueprint.get("/v1/me")
@token_required
def me():
    """The account behind the token.
    ---
    get:
      summary: Who am I (check a token)
      security: [{bearerAuth: []}]
      responses:
        200:
          content:
            application/json:
              schema:
                type: object
                properties:
                  email: {type: string}
                  name: {type: string}
                  roles: {type: array, items: {type: string}}
        401:
          content:
            application/json:
              schema: ErrorSchema
    """
    user = g.api_user
    return jsonify({"email": user.email, "name": user.name, "roles": sorted(user.roles)})

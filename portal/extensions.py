"""Extension instances, created once and bound to the app in create_app()."""

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# Public pages; see portal/page_cache.py for why it can never serve stale content.
cache = Cache()
# Limits are declared where they apply (login); nothing is limited by default.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

"""SQLModel tables (`schemas.tables`) and the pydantic shapes of every import file (`schemas.files`)."""
from schemas.tables import *  # noqa: F403  (re-export: `from schemas import Ward`)
from schemas.tables import SQLModel

metadata = SQLModel.metadata

"""The run config's data part (docs/api.md, "The run config"): a registered dataset or the
user's own points or CSV, its size, noise, split and input features."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from engine.config_base import Strict, member_of, stored
from engine.datasets import DATASETS, Dataset
from engine.features import FEATURES
from engine.messages import ENGINE
from engine.userdata import infer_task, parse_csv, points_to_dataset

USER_DATASETS = ("points", "csv")
MAX_SAMPLES = 10_000  # a generated dataset's points (a user's own: userdata.MAX_POINTS)


class DataConfig(Strict):
    dataset: Annotated[str, member_of(DATASETS, *USER_DATASETS)] = "circle"
    n_samples: int | None = Field(
        None, ge=4, le=MAX_SAMPLES, description="default: 500, or 1200 for regression"
    )
    noise: float = Field(0.0, ge=0.0, le=0.5, description="TF Playground's noise slider / 100")
    train_ratio: float = Field(0.5, ge=0.1, le=0.9, description="share of points used to train")
    validation_ratio: float = Field(
        0.0, ge=0.0, le=0.5, description="share of the training points held out to validate"
    )
    features: list[Annotated[str, member_of(FEATURES)]] = Field(
        default_factory=lambda: ["x1", "x2"], min_length=1, max_length=len(FEATURES)
    )
    classes: int = Field(3, ge=3, le=8, description="classes of a multi-class dataset")
    points: list[list[float]] | None = Field(
        None, description='[[x1, x2, label], ...] for "points"'
    )
    csv: str | None = Field(None, description='CSV text (x1,x2,label) for "csv"')
    _user: Dataset | None = PrivateAttr(None)  # the parsed points or CSV
    # pydantic re-runs after-validators on an instance passed to another model (a run's
    # config into its response): one that passed once is not checked, or parsed, again
    _checked: bool = PrivateAttr(False)

    @field_validator("features")
    @classmethod
    def _unique(cls, names: list[str]) -> list[str]:
        if len(set(names)) != len(names):
            raise ValueError(ENGINE.say("config.feature_twice"))
        return names

    @model_validator(mode="after")
    def _user_data(self, info: ValidationInfo) -> DataConfig:
        needs = {"points": self.points, "csv": self.csv}
        for name, value in needs.items():
            if self.dataset == name and value is None:
                raise ValueError(ENGINE.say("config.needs_field", name=name))
            if self.dataset != name and value is not None:
                raise ValueError(ENGINE.say("config.field_unread", name=name))
        if self._checked:
            return self
        self._checked = True  # a config that fails is dropped, whatever this says
        if stored(info):
            return self
        n = self.n_points()
        n_train = int(n * self.train_ratio)
        if not 1 <= n_train < n:
            said = ENGINE.say(
                "config.train_ratio",
                ratio=self.train_ratio,
                count=n,
                train=n_train,
                test=n - n_train,
            )
            raise ValueError(said)
        n_val = int(n_train * self.validation_ratio)
        if self.validation_ratio > 0 and not 1 <= n_val < n_train:
            said = ENGINE.say(
                "config.validation_ratio",
                ratio=self.validation_ratio,
                count=n_train,
                validation=n_val,
                train=n_train - n_val,
            )
            raise ValueError(said)
        return self

    def user_dataset(self) -> Dataset | None:
        """The user's points or CSV, parsed once: when the config was validated, or (a stored
        config) when first asked for."""
        if self._user is None:
            if self.points is not None:
                self._user = points_to_dataset(self.points)
            elif self.csv is not None:
                self._user = parse_csv(self.csv)
        return self._user

    def n_points(self) -> int:
        """How many points the data has: the user's, or the dataset's sample size."""
        user = self.user_dataset()
        if user is not None:
            return len(user)
        return self.n_samples or DATASETS[self.dataset].default_samples

    def training_points(self) -> int:
        """How many points the network trains on (the training share less the validation
        set's)."""
        n_train = int(self.n_points() * self.train_ratio)
        return n_train - int(n_train * self.validation_ratio)

    def task(self) -> str:
        user = self.user_dataset()
        return infer_task(user.y) if user is not None else DATASETS[self.dataset].task

import pytest

from portrait_local.cloudwatch.clock import SimulatedClock


class Real:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_speed_compresses_time_and_never_goes_back():
    real = Real()
    clock = SimulatedClock(real=real)
    real.t += 10
    assert clock.now() == 1010
    clock.set_speed(60)
    real.t += 5
    assert clock.now() == 1010 + 300
    assert clock.real_seconds_until(1010 + 360) == pytest.approx(1.0)
    clock.set_speed(1)
    real.t += 1
    assert clock.now() == 1311  # ahead of the wall clock (1016) by what it gained
    assert clock.state()["ahead_of_real_seconds"] == pytest.approx(295)


@pytest.mark.parametrize("speed", [0, -1])
def test_speed_must_be_positive(speed):
    with pytest.raises(ValueError):
        SimulatedClock().set_speed(speed)

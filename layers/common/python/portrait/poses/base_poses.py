"""The directed base poses: each category's variants as joint angles (see figure.Limb).

Angles read as a photographer's directions: Limb(90, 0) holds a segment out to
the side, Limb(90, 90) points it at the camera, Limb(170, 0) raises it
overhead, Limb(95, 172) lays a forearm across the chest. The catalogue shoots
every variant from several angles and framings (catalogue.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from portrait.poses.figure import Figure, Limb, Side

RELAXED_ARM = Side(Limb(8, 0), Limb(12, 60))
STRAIGHT_LEG = Side(Limb(3, 0), Limb(2, 0))
HIP_HAND = Side(Limb(38, -15), Limb(60, 175))  # knuckles on the waist, elbow out
POCKET_HAND = Side(Limb(12, -25), Limb(35, 120))  # hand in the front trouser pocket
# Forearms across the chest, the right one over the left.
CROSSED = {"right_arm": Side(Limb(28, 75), Limb(95, 172)),
           "left_arm": Side(Limb(22, 75), Limb(92, 170))}
CHIN_HAND = Side(Limb(63, 107), Limb(144, -112))  # elbow forward, knuckles under the chin
SEATED_LEG = Side(Limb(85, 90), Limb(5, 0))  # thigh on the seat, shin down to the floor
# Weight on the right leg, the left knee eased: the fashion default.
CONTRAPPOSTO = dict(hip_shift=0.06, lean=-3.0, left_leg=Side(Limb(6, 40), Limb(6, -70)))


@dataclass(frozen=True)
class Variant:
    slug: str
    title: str
    figure: Figure
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class BasePose:
    category: str
    title: str
    tags: tuple[str, ...]
    variants: tuple[Variant, ...]
    side_view: bool = False  # worth shooting in profile (strides, seats, kneels)


def _both_arms(side: Side, **more) -> Figure:
    return Figure(right_arm=side, left_arm=side, **more)


def _legs(side: Side) -> dict:
    return {"right_leg": side, "left_leg": side}


BASE_POSES: tuple[BasePose, ...] = (
    BasePose("standing", "Standing", ("casual",), (
        Variant("relaxed", "relaxed", Figure()),
        Variant("contrapposto", "weight on one leg", Figure(head_tilt=4, **CONTRAPPOSTO),
                ("fashion",)),
        Variant("wide-stance", "wide stance", _both_arms(Side(Limb(14, 0), Limb(16, 40)),
                **_legs(Side(Limb(12, 0), Limb(10, 0)))), ("confident",)),
        Variant("feet-together", "feet together", _both_arms(Side(Limb(4, 0), Limb(6, 60)),
                **_legs(Side(Limb(1, 180), Limb(2, 180)))), ("formal",)),
        Variant("hands-behind-back", "hands behind the back",
                _both_arms(Side(Limb(18, -80), Limb(70, -150))), ("formal",)),
    )),
    BasePose("walking", "Walking", ("casual", "dynamic"), (
        Variant("short-stride", "short stride", Figure(
            right_arm=Side(Limb(10, -90), Limb(18, -90)), left_arm=Side(Limb(12, 90), Limb(30, 90)),
            right_leg=Side(Limb(14, 90), Limb(4, 90)),
            left_leg=Side(Limb(12, -90), Limb(24, -90)))),
        Variant("long-stride", "long stride", Figure(
            right_arm=Side(Limb(18, -90), Limb(26, -90)), left_arm=Side(Limb(20, 90), Limb(45, 90)),
            right_leg=Side(Limb(24, 90), Limb(6, 90)), left_leg=Side(Limb(20, -90), Limb(38, -90)),
            bend=4)),
        Variant("passing", "legs passing", Figure(
            right_arm=Side(Limb(6, 90), Limb(20, 90)), left_arm=Side(Limb(6, -90), Limb(12, -90)),
            right_leg=STRAIGHT_LEG, left_leg=Side(Limb(16, 90), Limb(28, -90)))),
        Variant("looking-aside", "looking aside", Figure(
            right_arm=Side(Limb(14, -90), Limb(22, -90)), left_arm=Side(Limb(16, 90), Limb(36, 90)),
            right_leg=Side(Limb(20, 90), Limb(5, 90)), left_leg=Side(Limb(16, -90), Limb(32, -90)),
            head_turn=40), ("street",)),
    ), side_view=True),
    BasePose("sitting", "Sitting", ("seated", "relaxed"), (
        Variant("upright", "upright, hands on thighs",
                _both_arms(Side(Limb(12, 60), Limb(70, 95)), **_legs(SEATED_LEG))),
        Variant("legs-crossed", "legs crossed", Figure(
            right_arm=Side(Limb(14, 70), Limb(75, 120)), left_arm=Side(Limb(12, 60), Limb(70, 95)),
            right_leg=Side(Limb(88, 115), Limb(35, 165)), left_leg=SEATED_LEG), ("fashion",)),
        Variant("leaning-forward", "leaning forward, elbows on knees",
                _both_arms(Side(Limb(40, 85), Limb(70, 140)), bend=25, head_nod=-10,
                           **_legs(Side(Limb(80, 80), Limb(8, 0))))),
        Variant("leaning-back", "leaning back, arms on the rests",
                _both_arms(Side(Limb(22, 20), Limb(85, 80)), bend=-12,
                           **_legs(Side(Limb(80, 95), Limb(20, 90)))), ("casual",)),
    ), side_view=True),
    BasePose("arms_crossed", "Arms crossed", ("confident",), (
        Variant("straight", "standing straight", Figure(**CROSSED), ("formal",)),
        Variant("weight-shift", "weight on one leg",
                Figure(**CROSSED, **CONTRAPPOSTO), ("casual",)),
        Variant("wide-stance", "wide stance",
                Figure(**CROSSED, **_legs(Side(Limb(12, 0), Limb(10, 0))))),
        Variant("head-tilted", "head tilted", Figure(**CROSSED, head_tilt=9, head_turn=15),
                ("playful",)),
    )),
    BasePose("hands_on_hips", "Hands on hips", ("confident",), (
        Variant("both-hands", "both hands", _both_arms(HIP_HAND)),
        Variant("one-hand", "one hand", Figure(right_arm=HIP_HAND), ("fashion",)),
        Variant("wide-stance", "wide stance",
                _both_arms(HIP_HAND, **_legs(Side(Limb(13, 0), Limb(10, 0)))), ("power",)),
        Variant("one-hand-contrapposto", "one hand, weight on one leg",
                Figure(left_arm=HIP_HAND, head_tilt=-5, **CONTRAPPOSTO), ("fashion",)),
    )),
    BasePose("waving", "Waving", ("friendly", "casual"), (
        Variant("hand-up", "hand up", Figure(right_arm=Side(Limb(95, 15), Limb(165, 10)))),
        Variant("hand-high", "hand high", Figure(right_arm=Side(Limb(130, 10), Limb(170, 0)),
                                                 head_tilt=5)),
        Variant("elbow-out", "elbow out", Figure(right_arm=Side(Limb(80, 0), Limb(150, 20)))),
        Variant("other-hand-on-hip", "other hand on hip",
                Figure(right_arm=Side(Limb(100, 20), Limb(160, 15)), left_arm=HIP_HAND),
                ("playful",)),
    )),
    BasePose("hands_in_pockets", "Hands in pockets", ("casual", "relaxed"), (
        Variant("both-hands", "both hands", _both_arms(POCKET_HAND)),
        Variant("one-hand", "one hand", Figure(right_arm=POCKET_HAND, **CONTRAPPOSTO),
                ("fashion",)),
        Variant("crossed-ankles", "ankles crossed", _both_arms(
            POCKET_HAND, lean=4, right_leg=Side(Limb(6, 150), Limb(10, 175)),
            left_leg=Side(Limb(4, 0), Limb(3, 0))), ("street",)),
    )),
    BasePose("arms_raised", "Arms raised", ("dynamic", "joyful"), (
        Variant("victory", "victory V", _both_arms(Side(Limb(150, 0), Limb(160, 0)))),
        Variant("straight-up", "straight up", _both_arms(Side(Limb(172, 5), Limb(175, 5)),
                                                         head_nod=-10)),
        Variant("hands-behind-head", "hands behind the head",
                _both_arms(Side(Limb(140, -20), Limb(110, 175))), ("relaxed",)),
        Variant("stretch", "one-arm stretch", Figure(right_arm=Side(Limb(165, 0), Limb(170, -10)),
                                                     lean=10), ("sporty",)),
    )),
    BasePose("pointing", "Pointing", ("dynamic", "presenting"), (
        Variant("at-camera", "at the camera", Figure(right_arm=Side(Limb(85, 80), Limb(88, 85)))),
        Variant("aside", "to the side", Figure(right_arm=Side(Limb(88, 5), Limb(90, 0)),
                                               head_turn=-30)),
        Variant("upwards", "upwards", Figure(right_arm=Side(Limb(140, 30), Limb(160, 30)),
                                             head_nod=-15)),
    )),
    BasePose("thinking", "Thinking", ("thoughtful",), (
        Variant("hand-on-chin", "hand on chin",
                Figure(right_arm=CHIN_HAND, left_arm=Side(Limb(20, 80), Limb(95, 170)),
                       head_tilt=5)),
        Variant("looking-away", "looking away",
                Figure(right_arm=CHIN_HAND, left_arm=Side(Limb(20, 80), Limb(95, 170)),
                       head_turn=28)),
        Variant("weight-shift", "weight on one leg",
                Figure(right_arm=CHIN_HAND, left_arm=CROSSED["left_arm"], **CONTRAPPOSTO),
                ("fashion",)),
    )),
    BasePose("leaning", "Leaning", ("relaxed", "casual"), (
        Variant("crossed-ankles", "ankles crossed", Figure(
            lean=8, hip_shift=0.08, right_leg=Side(Limb(8, 150), Limb(14, 170)),
            left_leg=Side(Limb(10, 0), Limb(4, 0)))),
        Variant("arms-crossed", "arms crossed", Figure(
            **CROSSED, lean=7, hip_shift=0.07,
            left_leg=Side(Limb(12, 0), Limb(4, 0))), ("confident",)),
        Variant("hand-in-pocket", "hand in pocket", Figure(
            right_arm=POCKET_HAND, left_arm=Side(Limb(50, 0), Limb(30, 0)), lean=9, hip_shift=0.06,
            right_leg=Side(Limb(6, 40), Limb(8, -60))), ("street",)),
    )),
    BasePose("kneeling", "Kneeling", ("grounded",), (
        Variant("one-knee", "on one knee", Figure(
            left_arm=Side(Limb(30, 85), Limb(70, 100)),
            right_leg=Side(Limb(5, 0), Limb(90, -90)), left_leg=Side(Limb(90, 90), Limb(2, 0)))),
        Variant("both-knees", "on both knees", _both_arms(
            Side(Limb(10, 40), Limb(40, 90)), **_legs(Side(Limb(4, 0), Limb(90, -90)))),
            ("calm",)),
    ), side_view=True),
    BasePose("squatting", "Squatting", ("street", "dynamic"), (
        Variant("deep", "deep squat", _both_arms(
            Side(Limb(40, 80), Limb(50, 110)), bend=20,
            **_legs(Side(Limb(105, 60), Limb(15, -40))))),
        Variant("crouch", "low crouch, one knee down", Figure(
            right_arm=Side(Limb(35, 85), Limb(60, 100)), left_arm=Side(Limb(15, 0), Limb(10, 0)),
            bend=15, right_leg=Side(Limb(100, 85), Limb(10, -20)),
            left_leg=Side(Limb(25, 10), Limb(85, -90)))),
    ), side_view=True),
    BasePose("running", "Running", ("dynamic", "sporty"), (
        Variant("jog", "jogging", Figure(
            right_arm=Side(Limb(25, -90), Limb(75, 90)), left_arm=Side(Limb(30, 90), Limb(115, 90)),
            right_leg=Side(Limb(40, 90), Limb(15, -90)),
            left_leg=Side(Limb(20, -90), Limb(60, -90)),
            bend=6)),
        Variant("sprint", "sprinting", Figure(
            right_arm=Side(Limb(45, -90), Limb(80, 60)), left_arm=Side(Limb(55, 90), Limb(140, 90)),
            right_leg=Side(Limb(70, 90), Limb(25, -90)),
            left_leg=Side(Limb(30, -90), Limb(95, -90)),
            bend=14)),
    ), side_view=True),
    BasePose("hand_in_hair", "Hand in hair", ("fashion", "playful"), (
        Variant("one-hand", "one hand", Figure(right_arm=Side(Limb(150, 30), Limb(100, 175)),
                                               head_tilt=-6)),
        Variant("both-hands", "both hands", _both_arms(Side(Limb(145, 40), Limb(115, 165)),
                                                       head_tilt=4)),
        Variant("contrapposto", "weight on one leg", Figure(
            right_arm=Side(Limb(150, 30), Limb(100, 175)), **CONTRAPPOSTO)),
    )),
)


"""Generation records, and the transactions that move them together with credits.

Life cycle: pending (charged, waiting for the input photo) → processing (the photo
claimed; then its render submitted, in flight until the renderer reports back) →
completed | failed; pending can also end as expired (the photo never came).
failed and expired are refunded, exactly once.

Every step that touches money or stats is one transaction over the
generation, the user item (balance and counters) and, for money, a ledger
entry keyed on the generation:

    start     balance -= cost (only if balance >= cost), total += 1, used += cost,
              the generation put (only if new), ledger <id>#charge put (only if new)
    submit    processing (this upload's claim) → a render in flight, with its deadline
    complete  processing → completed, completed += 1, processing time summed
    refund    → failed | expired only if refunded_at is unset and the status is
              refundable; balance += cost, used -= cost, failed += 1,
              ledger <id>#refund put (only if new)
    delete    the record (only if settled), records -= 1

So a balance never goes below zero, every charge has its generation, and a
duplicate refund changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from portrait.errors import Conflict, NotFound
from portrait.store.credits import CHARGE, REFUND, entry_item, insufficient, save_new_entry, user_key
from portrait.store.models import (
    TX_OLD,
    GenerationItem,
    ShareLinkItem,
    UserItem,
    bound,
    condition_failed,
    plain,
    transaction_condition_failed,
    transaction_connection,
)

PENDING, PROCESSING, COMPLETED, FAILED, EXPIRED = (
    "pending", "processing", "completed", "failed", "expired")
SETTLED = (COMPLETED, FAILED, EXPIRED)
REFUNDABLE = (PENDING, PROCESSING)  # what may still end failed or expired
PENDING_UPLOAD = "pending-upload"  # the pending_uploads index's only partition
RENDERING = "rendering"  # the renders_in_flight index's only partition


@dataclass(frozen=True)
class Generation:
    user_id: str
    generation_id: str
    status: str
    pose_id: str
    quality: str
    priority: bool
    credits_charged: int
    content_type: str
    input_key: str
    created_at: str
    updated_at: str
    upload_expires_at: int
    input_etag: str | None = None
    source_key: str | None = None
    output_key: str | None = None
    output: dict[str, Any] = field(default_factory=dict)
    started_at: str | None = None
    completed_at: str | None = None
    processing_ms: int | None = None
    error_reason: str | None = None
    error_message: str | None = None
    refunded_at: str | None = None
    style: str | None = None
    render_id: str | None = None
    render_submitted_at: str | None = None
    render_deadline: int | None = None
    render_output_location: str | None = None  # where the endpoint will write its answer
    render_failure_location: str | None = None
    share_id: str | None = None
    shared_at: str | None = None
    # A batch (several poses, one photo): every member's batch_id is the lead's id, the
    # generation whose upload key the photo comes under; the lead lists the members.
    batch_id: str | None = None
    batch_members: tuple[str, ...] = ()

    @property
    def upload_id(self) -> str:
        return self.generation_id  # the tmp key names the generation itself


class GenerationBusy(Conflict):
    code = "generation_in_progress"


def _from_item(item: GenerationItem) -> Generation:
    values = {name: getattr(item, name) for name in Generation.__dataclass_fields__}
    values["output"] = item.output.as_dict() if item.output else {}
    values["batch_members"] = tuple(item.batch_members or ())
    for name in ("credits_charged", "upload_expires_at", "processing_ms", "render_deadline"):
        if values[name] is not None:
            values[name] = int(values[name])
    values["priority"] = bool(values["priority"])
    return Generation(**values)


def from_image(image: dict[str, Any]) -> Generation | None:
    """A generation from a stream image (Decimals, as Powertools deserialises it); None
    for another kind of item in the table (a share link)."""
    if not {"generation_id", "status", "pose_id"} <= image.keys():
        return None
    values = {name: image.get(name) for name in Generation.__dataclass_fields__}
    values["output"] = plain(values["output"] or {})
    values["batch_members"] = tuple(values["batch_members"] or ())
    for name in ("credits_charged", "upload_expires_at", "processing_ms", "render_deadline"):
        if values[name] is not None:
            values[name] = int(values[name])
    values["priority"] = bool(values["priority"])
    return Generation(**values)


def _cancelled_on(exc: TransactWriteError, attribute: str) -> dict | None:
    """The old image of the item (told apart by `attribute`) whose condition failed."""
    for reason in exc.cancellation_reasons or []:
        if reason and reason.code == "ConditionalCheckFailed":
            item = reason.raw_item or {}
            if attribute in item or (attribute == "pk" and not item):
                return item
    return None


def create_charged(*batch: Generation) -> None:
    """Charge the user and record the pending generation(s), in one transaction: a batch
    is charged in full or not at all (all of one user; at most 40, a transaction's 100
    items).

    InsufficientCredits (with balance and the batch's cost) when the balance is short;
    NotFound when the user is gone.
    """
    users, model = bound(UserItem), bound(GenerationItem)
    user_id = batch[0].user_id
    assert batch and len(batch) <= 40 and all(g.user_id == user_id for g in batch)
    cost = sum(g.credits_charged for g in batch)
    try:
        with TransactWrite(connection=transaction_connection(users)) as tx:
            tx.update(users(user_key(user_id)),
                      actions=[users.credits.add(-cost), users.generations_total.add(len(batch)),
                               users.generation_records.add(len(batch)),
                               users.credits_used.add(cost)],
                      condition=users.pk.exists() & (users.credits >= cost),
                      return_values=TX_OLD)
            for generation in batch:
                values = {k: list(v) if isinstance(v, tuple) else v
                          for k, v in generation.__dict__.items() if v not in (None, {}, ())}
                tx.save(model(**values, pending_upload=PENDING_UPLOAD),
                        condition=model.generation_id.does_not_exist())
                save_new_entry(tx, entry_item(
                    user_id, f"{generation.generation_id}#{CHARGE}", CHARGE,
                    -generation.credits_charged, now_iso=generation.created_at,
                    generation_id=generation.generation_id))
    except TransactWriteError as exc:
        user = _cancelled_on(exc, "pk")
        if user is None:
            raise
        if not user:
            raise NotFound("no such user", code="user_not_found") from None
        raise insufficient(int(user.get("credits", {}).get("N", "0")), cost) from None


def get_generation(user_id: str, generation_id: str) -> Generation | None:
    try:
        return _from_item(bound(GenerationItem).get(user_id, generation_id, consistent_read=True))
    except GenerationItem.DoesNotExist:
        return None


def list_generations(user_id: str, *, limit: int, after: str | None = None
                     ) -> tuple[list[Generation], str | None]:
    """Newest first (ids are ULIDs), after the generation id `after`, in the user's
    partition only. Returns the page and the id to continue after, None at the end
    (one item more is read, so "more" is never a guess)."""
    start = {"user_id": {"S": user_id}, "generation_id": {"S": after}} if after else None
    result = bound(GenerationItem).query(user_id, scan_index_forward=False, limit=limit + 1,
                                         last_evaluated_key=start, consistent_read=True)
    items = [_from_item(item) for item in result]
    if len(items) > limit:
        return items[:limit], items[limit - 1].generation_id
    return items, None


def iter_waiting_for_input(*, expired_before: int) -> Iterator[tuple[str, str]]:
    """(user_id, generation_id) of pending generations whose upload form expired before then."""
    index = bound(GenerationItem).pending_uploads
    for item in index.query(PENDING_UPLOAD, GenerationItem.upload_expires_at < expired_before):
        yield item.user_id, item.generation_id


def claim(user_id: str, generation_id: str, *, etag: str, now_iso: str,
          deadline: int | None = None) -> bool:
    """pending → processing for this upload; also True when this same upload holds it
    already (a redelivery after a crash or a retryable error). False otherwise.
    `deadline`: from now on the deadline sweep fails the generation past it, so a run
    that dies between the claim and the submit cannot leave it processing for good."""
    model = bound(GenerationItem)
    actions = [model.status.set(PROCESSING), model.input_etag.set(etag),
               model.started_at.set(now_iso), model.updated_at.set(now_iso),
               model.pending_upload.remove()]
    if deadline is not None:
        actions += [model.rendering.set(RENDERING), model.render_deadline.set(deadline)]
    try:
        model(user_id, generation_id).update(
            actions=actions,
            condition=(model.status == PENDING)
            | ((model.status == PROCESSING) & (model.input_etag == etag)))
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def iter_renders_past_deadline(*, now: int) -> Iterator[tuple[str, str]]:
    """(user_id, generation_id) of renders in flight whose deadline passed before `now`."""
    index = bound(GenerationItem).renders_in_flight
    for item in index.query(RENDERING, GenerationItem.render_deadline < now):
        yield item.user_id, item.generation_id


def submit_render(user_id: str, generation_id: str, *, etag: str, source_key: str,
                  render_id: str, deadline: int, now_iso: str,
                  locations: tuple[str, str] = ("", "")) -> bool:
    """Record the render in flight (its id and deadline, where its answer will be, the
    photo kept at `source_key`) for the upload that claimed the generation; False if it
    no longer holds it."""
    model = bound(GenerationItem)
    output_location, failure_location = locations
    try:
        model(user_id, generation_id).update(
            actions=[model.rendering.set(RENDERING), model.render_id.set(render_id),
                     model.render_deadline.set(deadline), model.render_submitted_at.set(now_iso),
                     model.render_output_location.set(output_location or None),
                     model.render_failure_location.set(failure_location or None),
                     model.source_key.set(source_key), model.updated_at.set(now_iso)],
            condition=(model.status == PROCESSING) & (model.input_etag == etag))
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def complete(user_id: str, generation_id: str, *, output_key: str,
             output: dict[str, Any], processing_ms: int, now_iso: str) -> bool:
    """processing → completed, with the stats; False if it was no longer processing."""
    model, users = bound(GenerationItem), bound(UserItem)
    try:
        with TransactWrite(connection=transaction_connection(model)) as tx:
            tx.update(model(user_id, generation_id),
                      actions=[model.status.set(COMPLETED), model.output_key.set(output_key),
                               model.output.set(output), model.processing_ms.set(processing_ms),
                               model.completed_at.set(now_iso), model.updated_at.set(now_iso),
                               model.rendering.remove()],
                      condition=model.status == PROCESSING)
            tx.update(users(user_key(user_id)),
                      actions=[users.generations_completed.add(1),
                               users.generation_ms_total.add(processing_ms)],
                      condition=users.pk.exists())
    except TransactWriteError as exc:
        if _cancelled_on(exc, "generation_id") is not None or _cancelled_on(exc, "pk") is not None:
            return False
        raise
    return True


def refund(generation: Generation, *, status: str, reason: str, message: str, now_iso: str,
           processing_ms: int | None = None, expected: tuple[str, ...] = REFUNDABLE) -> bool:
    """End a refundable generation as `status` (failed | expired) and give the credits back.

    At most once: the generation must have no refunded_at and a refundable
    status (narrowed by `expected`), and the refund's ledger entry must not exist. False (nothing
    changed) when any of that does not hold, e.g. a duplicate delivery.
    """
    assert status in (FAILED, EXPIRED) and set(expected) <= set(REFUNDABLE)
    model, users = bound(GenerationItem), bound(UserItem)
    cost = generation.credits_charged
    actions = [model.status.set(status), model.error_reason.set(reason),
               model.error_message.set(message[:500]), model.refunded_at.set(now_iso),
               model.completed_at.set(now_iso), model.updated_at.set(now_iso),
               model.pending_upload.remove(), model.rendering.remove()]
    if processing_ms is not None:
        actions.append(model.processing_ms.set(processing_ms))
    entry = entry_item(generation.user_id, f"{generation.generation_id}#{REFUND}", REFUND, cost,
                       now_iso=now_iso, generation_id=generation.generation_id, reason=reason)
    try:
        with TransactWrite(connection=transaction_connection(model)) as tx:
            tx.update(model(generation.user_id, generation.generation_id), actions=actions,
                      condition=model.refunded_at.does_not_exist()
                      & model.status.is_in(*expected))
            tx.update(users(user_key(generation.user_id)),
                      actions=[users.credits.add(cost), users.credits_used.add(-cost),
                               users.generations_failed.add(1)],
                      condition=users.pk.exists())
            save_new_entry(tx, entry)
    except TransactWriteError as exc:
        if transaction_condition_failed(exc):
            return False
        raise
    return True


def _link_key(share_id: str) -> tuple[str, str]:
    return f"share#{share_id}", "link"


def share(user_id: str, generation_id: str, *, share_id: str, replacing: str | None,
          now_iso: str) -> bool:
    """Give a completed generation the public link `share_id` in place of `replacing` (its
    current one, None if it has none), the link item with it, in one transaction; False
    if it is not completed or its link changed meanwhile."""
    model, links = bound(GenerationItem), bound(ShareLinkItem)
    current = (model.share_id == replacing) if replacing else model.share_id.does_not_exist()
    try:
        with TransactWrite(connection=transaction_connection(model)) as tx:
            tx.update(model(user_id, generation_id),
                      actions=[model.share_id.set(share_id), model.shared_at.set(now_iso)],
                      condition=(model.status == COMPLETED) & current)
            tx.save(links(*_link_key(share_id), owner_id=user_id, target_id=generation_id,
                          created_at=now_iso), condition=links.user_id.does_not_exist())
            if replacing:
                tx.delete(links(*_link_key(replacing)))
    except TransactWriteError as exc:
        if transaction_condition_failed(exc):
            return False
        raise
    return True


def unshare(user_id: str, generation_id: str, *, share_id: str) -> bool:
    """Remove the public link `share_id` and its link item; False if the generation has
    another link or none."""
    model, links = bound(GenerationItem), bound(ShareLinkItem)
    try:
        with TransactWrite(connection=transaction_connection(model)) as tx:
            tx.update(model(user_id, generation_id),
                      actions=[model.share_id.remove(), model.shared_at.remove()],
                      condition=model.share_id == share_id)
            tx.delete(links(*_link_key(share_id)))
    except TransactWriteError as exc:
        if transaction_condition_failed(exc):
            return False
        raise
    return True


def find_shared(share_id: str) -> Generation | None:
    """The generation whose current link has this share_id (None for a revoked, replaced or
    unknown one): the link item, then the generation, both read consistently."""
    try:
        link = bound(ShareLinkItem).get(*_link_key(share_id), consistent_read=True)
    except ShareLinkItem.DoesNotExist:
        return None
    generation = get_generation(link.owner_id, link.target_id)
    return generation if generation is not None and generation.share_id == share_id else None


def delete_settled(user_id: str, generation_id: str, *, share_id: str | None = None) -> None:
    """Delete a settled generation's record (and its link item, `share_id`) and count it
    out of the history.

    NotFound if there is none; GenerationBusy while it is pending or processing.
    """
    model, users = bound(GenerationItem), bound(UserItem)
    try:
        with TransactWrite(connection=transaction_connection(model)) as tx:
            # The link read with it must still be its link (a new one made meanwhile
            # would otherwise outlive the generation).
            linked = (model.share_id == share_id) if share_id else model.share_id.does_not_exist()
            tx.delete(model(user_id, generation_id),
                      condition=model.status.is_in(*SETTLED) & linked)
            if share_id:
                tx.delete(bound(ShareLinkItem)(*_link_key(share_id)))
            tx.update(users(user_key(user_id)), actions=[users.generation_records.add(-1)],
                      condition=users.pk.exists())
    except TransactWriteError as exc:
        if not transaction_condition_failed(exc):
            raise
        # A delete cannot return the old item on failure: read it to tell busy from missing.
        current = get_generation(user_id, generation_id)
        if current is not None and current.status in SETTLED:
            raise Conflict("its share link changed meanwhile; try again",
                           code="share_conflict") from None
        if current is not None:
            raise GenerationBusy("this generation is still being made; delete it once it "
                                 "has completed or failed") from None
        raise NotFound("no such generation", code="generation_not_found") from None

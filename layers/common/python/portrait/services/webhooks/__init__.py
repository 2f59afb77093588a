"""Webhooks: endpoints a user registers, and the domain events delivered to them signed
per the Standard Webhooks specification, retried on a schedule, logged, redeliverable.

    endpoints.py   the API's use cases: register, list, change, delete, rotate, test
    deliveries.py  the delivery log and redelivery
    fanout.py      a domain event -> one delivery per subscribed endpoint (WebhookFanoutFunction)
    attempt.py     one attempt of one delivery (WebhookDeliveryFunction)
    sweep.py       attempts whose wait outlasts SQS's 15 minutes (WebhookSweepFunction)
    schedule.py    the retry schedule and its jitter
    targets.py     which addresses a delivery may reach
    transport.py   the HTTP request itself, to the address that was checked
    signing.py     secrets: drawn, sealed, and the signature headers
"""

"""Webhook endpoints and their deliveries (template.yaml: WebhooksTable), and the key that
seals the endpoints' signing secrets (WebhookKeySecret)."""

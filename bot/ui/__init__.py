"""What people see: texts, keyboards and callback data, cards, the wizard's steps, and the Notifier that turns decisions into outbox rows."""

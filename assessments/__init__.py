"""Internal side: the Uthiek questionnaire, reviews by the sounding board and signed records.

Built in the issues after the public register; the register's `operations.publish` is the
door through which an approved assessment reaches the public side.
"""

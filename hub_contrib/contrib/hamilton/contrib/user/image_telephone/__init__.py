"""image_telephone's dataflows"""

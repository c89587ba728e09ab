"""Hamilton dataflows of image-telephone: caption_images and generate_images."""
